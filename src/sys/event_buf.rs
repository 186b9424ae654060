//! The event buffer shared by every backend.

/// A fixed-capacity buffer of backend event records.
///
/// `capacity` is kept apart from the vector's own, which may be larger, so
/// that `Events::capacity` reports exactly what the caller asked for.
pub(crate) struct EventBuf<T> {
    buf: Vec<T>,
    cap: usize,
}

impl<T> EventBuf<T> {
    pub(crate) fn with_capacity(cap: usize) -> Self {
        EventBuf {
            buf: Vec::with_capacity(cap),
            cap,
        }
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
