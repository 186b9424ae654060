//! The event buffer shared by every backend.

/// A fixed-capacity buffer of backend event records.
///
/// `capacity` is kept apart from the vector's own, which may be larger, so
/// that `Events::capacity` reports exactly what the caller asked for.
pub(crate) struct EventBuf<T> {
    buf: Vec<T>,
    cap: usize,
    /// `cap` as a system call's `int` count, clamped once here so the poll
    /// loop does not redo it.
    max: i32,
}

impl<T> EventBuf<T> {
    pub(crate) fn with_capacity(cap: usize) -> Self {
        EventBuf {
            buf: Vec::with_capacity(cap),
            cap,
            max: i32::try_from(cap).unwrap_or(i32::MAX),
        }
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

    /// The backing vector, for backends that push records.
    #[allow(dead_code)]
    pub(crate) fn vec(&mut self) -> &mut Vec<T> {
        &mut self.buf
    }
}
