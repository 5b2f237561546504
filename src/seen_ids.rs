//! Conversation ids seen in a run, to warn when one comes again, kept in a
//! bounded amount of memory.
//!
//! A hash set would grow with the export without limit. This table holds
//! 64-bit id hashes with open addressing; it starts at a quarter of its
//! largest size and doubles as it fills, up to a fixed number of slots.
//! When the largest table is three-quarters full, later ids are no longer
//! checked, and the caller says so once.

use std::hash::{Hash, Hasher};

/// Slots of the largest table: 8 MiB of 64-bit hashes.
const SLOTS: usize = 1 << 20;

/// Slots of the first table: 2 MiB, for up to 196,608 ids. Its pages are
/// mapped as they are first written (it is allocated zeroed), so a small
/// run does not pay for all of it; a large one keeps one size for longer.
const FIRST_SLOTS: usize = 1 << 18;

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
/// with the same 64-bit hash). Whether an id is new does not depend on the
/// table's size, only on the hashes stored.
#[derive(Default)]
pub struct SeenIds {
    /// A power of two of slots (none before the first id); 0 marks an
    /// empty one.
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
        let mut h = std::hash::DefaultHasher::new();
        id.hash(&mut h);
        // Zero marks an empty slot.
        let hash = h.finish().max(1);
        // Grow before the table is more than three-quarters full.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let slot = probe(&self.slots, hash);
        if self.slots[slot] == hash {
            return Seen::Again;
        }
        self.slots[slot] = hash;
        self.len += 1;
        Seen::First
    }

    /// Doubles the table (or makes the first one) and moves the hashes.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).clamp(FIRST_SLOTS, SLOTS);
        if size == self.slots.len() {
            return;
        }
        let mut slots = vec![0; size];
        for &hash in self.slots.iter().filter(|&&h| h != 0) {
            let slot = probe(&slots, hash);
            slots[slot] = hash;
        }
        self.slots = slots;
    }
}

/// The slot of `hash` in `slots` (not full): where it is, or the empty
/// slot where it goes. Probing starts at the slot the hash's top bits
/// name, and goes on to the next.
fn probe(slots: &[u64], hash: u64) -> usize {
    let mask = slots.len() - 1;
    let mut i = (hash >> (64 - slots.len().trailing_zeros())) as usize;
    loop {
        match slots[i] {
            s if s == 0 || s == hash => return i,
            _ => i = (i + 1) & mask,
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
        assert_eq!(seen.slots.len(), SLOTS);
    }

    #[test]
    fn ids_seen_before_the_table_grew_are_still_seen() {
        let mut seen = SeenIds::new();
        let ids = FIRST_SLOTS;
        for n in 0..ids {
            assert_eq!(seen.insert(&format!("chat-{n}")), Seen::First);
        }
        assert!(seen.slots.len() > FIRST_SLOTS && seen.slots.len() < SLOTS);
        for n in (0..ids).rev() {
            assert_eq!(seen.insert(&format!("chat-{n}")), Seen::Again, "{n}");
        }
        assert_eq!(seen.len, ids);
    }
}
