//! The event buffer shared by every backend.

/// A fixed-capacity buffer of backend event records.
///
/// `capacity` is kept apart from the vector's own, which may be larger, so
/// that `Events::capacity` reports exactly what the caller asked for.
pub(crate) struct EventBuf<T> {
    buf: Vec<T>,
    cap: usize,
    /// `cap` as a system call's `int` count, clamped once here so the poll
    /// loop does not redo it: to the largest count whose records fit in an
    /// `int` of bytes, the most `epoll_wait` accepts (`EP_MAX_EVENTS`).
    max: i32,
}

/// `cap` clamped to the largest count of `T` records whose size in bytes
/// fits in an `int`.
fn syscall_count<T>(cap: usize) -> i32 {
    let limit = i32::MAX as usize / std::mem::size_of::<T>().max(1);
    cap.min(limit) as i32
}

impl<T> EventBuf<T> {
    pub(crate) fn with_capacity(cap: usize) -> Self {
        EventBuf {
            buf: Vec::with_capacity(cap),
            cap,
            max: syscall_count::<T>(cap),
        }
    }

    /// Sets the capacity the backend fills to, at most what the buffer was
    /// made with; `Poll` lowers it for one wait to keep room for its due
    /// timers, and restores it.
    pub(crate) fn limit(&mut self, cap: usize) {
        debug_assert!(cap <= self.buf.capacity());
        self.cap = cap;
        self.max = syscall_count::<T>(cap);
    }

    /// The capacity, clamped to `i32::MAX`.
    #[allow(dead_code)]
    pub(crate) fn max(&self) -> i32 {
        self.max
    }

    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        self.buf.get(index)
    }

    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    /// Appends `record`; the caller checks that there is room (`len() <
    /// capacity()`), so the vector never grows.
    pub(crate) fn push(&mut self, record: T) {
        debug_assert!(self.buf.len() < self.cap);
        self.buf.push(record);
    }

    /// The backing vector, for backends that push records.
    #[allow(dead_code)]
    pub(crate) fn vec(&mut self) -> &mut Vec<T> {
        &mut self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::syscall_count;

    #[test]
    fn counts_are_clamped_to_what_fits_in_an_int_of_bytes() {
        assert_eq!(syscall_count::<[u8; 12]>(0), 0);
        assert_eq!(syscall_count::<[u8; 12]>(1024), 1024);
        // Linux's EP_MAX_EVENTS for its 12-byte epoll records.
        assert_eq!(syscall_count::<[u8; 12]>(usize::MAX), 178_956_970);
        assert_eq!(syscall_count::<u8>(usize::MAX), i32::MAX);
        assert_eq!(syscall_count::<()>(usize::MAX), i32::MAX);
    }
}
