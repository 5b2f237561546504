//! Reuse of the large byte buffers that carry input blocks and rendered
//! output between threads.
//!
//! Every batch needs a buffer of about a megabyte for its input and another
//! for its output. Allocating and freeing those for each batch, on different
//! threads, lets glibc's malloc move them between its heaps and mmap as its
//! thresholds adapt, and the process grows with the length of the run. A
//! few buffers passed round instead keep memory flat whatever the input size.

use std::sync::Mutex;

/// A bounded stack of spare buffers.
pub struct Pool {
    spare: Mutex<Vec<Vec<u8>>>,
}

/// Buffers kept at most (a few per batch in flight).
const MAX_SPARE: usize = 32;

/// Buffers larger than this (a block that held one huge record) are freed
/// rather than kept.
const MAX_KEPT_CAPACITY: usize = 8 << 20;

impl Pool {
    pub const fn new() -> Pool {
        Pool {
            spare: Mutex::new(Vec::new()),
        }
    }

    /// An empty buffer, reused when one is spare.
    pub fn take(&self) -> Vec<u8> {
        self.spare
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_default()
    }

    /// Hands a buffer back for reuse.
    pub fn give(&self, mut buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > MAX_KEPT_CAPACITY {
            return;
        }
        buf.clear();
        if let Ok(mut spare) = self.spare.lock() {
            if spare.len() < MAX_SPARE {
                spare.push(buf);
            }
        }
    }
}

impl Default for Pool {
    fn default() -> Self {
        Pool::new()
    }
}

/// Input blocks (native JSON read by the ingest layer).
pub static BLOCKS: Pool = Pool::new();

/// Rendered output of a batch, from a worker to the writer.
pub static OUTPUTS: Pool = Pool::new();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_empty_and_reused() {
        let pool = Pool::new();
        let mut b = pool.take();
        b.extend_from_slice(b"hello");
        let cap = b.capacity();
        pool.give(b);
        let again = pool.take();
        assert!(again.is_empty());
        assert_eq!(again.capacity(), cap);
        assert_eq!(pool.take().capacity(), 0, "only one was given back");
    }

    #[test]
    fn huge_buffers_are_not_kept() {
        let pool = Pool::new();
        pool.give(Vec::with_capacity(MAX_KEPT_CAPACITY + 1));
        assert_eq!(pool.take().capacity(), 0);
    }
}
