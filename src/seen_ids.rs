//! Conversation ids seen in a run, to warn when one comes again, kept in a
//! fixed amount of memory.
//!
//! A hash set would grow with the export. This table has a fixed number of
//! slots of 64-bit id hashes, allocated zeroed on first use (the operating
//! system maps pages only as slots are written, so small runs stay small).
//! When it is three-quarters full, later ids are no longer checked, and the
//! caller says so once.

use std::hash::{Hash, Hasher};

/// Slots in the table: 8 MiB of 64-bit hashes.
const SLOTS: usize = 1 << 20;

/// Ids checked at most; past this, probing would slow down.
pub const CHECKED_IDS: usize = SLOTS / 4 * 3;

/// What the table says of an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Not seen before (now remembered).
    First,
    /// Seen before in this run.
    Again,
    /// The table is full: not checked.
    Unchecked,
}

/// The ids seen so far, as hashes (a false "again" needs two different ids
/// with the same 64-bit hash).
#[derive(Default)]
pub struct SeenIds {
    slots: Vec<u64>,
    len: usize,
}

impl SeenIds {
    pub fn new() -> SeenIds {
        SeenIds::default()
    }

    /// Remembers `id` and says whether it came before.
    pub fn insert(&mut self, id: &str) -> Seen {
        if self.len >= CHECKED_IDS {
            return Seen::Unchecked;
        }
        if self.slots.is_empty() {
            self.slots = vec![0; SLOTS];
        }
        let mut h = std::hash::DefaultHasher::new();
        id.hash(&mut h);
        // Zero marks an empty slot.
        let hash = h.finish().max(1);
        let mut i = (hash >> (64 - SLOTS.trailing_zeros())) as usize;
        loop {
            match self.slots[i] {
                0 => {
                    self.slots[i] = hash;
                    self.len += 1;
                    return Seen::First;
                }
                s if s == hash => return Seen::Again,
                _ => i = (i + 1) % SLOTS,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_first_then_again() {
        let mut seen = SeenIds::new();
        assert_eq!(seen.insert("a"), Seen::First);
        assert_eq!(seen.insert("b"), Seen::First);
        assert_eq!(seen.insert("a"), Seen::Again);
        assert_eq!(seen.insert(""), Seen::First);
        assert_eq!(seen.insert(""), Seen::Again);
    }

    #[test]
    fn stops_checking_when_full() {
        let mut seen = SeenIds::new();
        for n in 0..CHECKED_IDS {
            assert_eq!(seen.insert(&n.to_string()), Seen::First);
        }
        assert_eq!(seen.insert("0"), Seen::Unchecked);
        assert_eq!(seen.insert("new"), Seen::Unchecked);
    }
}
