//! The run queue: highest priority first, and within a priority, oldest first (ids are
//! time-ordered, so the id is the submission order).

use crate::store::Id;
use std::cmp::Reverse;
use std::collections::BTreeSet;

#[derive(Debug, Default)]
pub struct Queue {
    waiting: BTreeSet<(Reverse<i32>, Id)>,
}

impl Queue {
    pub fn push(&mut self, id: Id, priority: i32) {
        self.waiting.insert((Reverse(priority), id));
    }

    pub fn pop(&mut self) -> Option<Id> {
        self.waiting.pop_first().map(|(_, id)| id)
    }

    /// Takes `id` out; false when it was not waiting.
    pub fn remove(&mut self, id: Id, priority: i32) -> bool {
        self.waiting.remove(&(Reverse(priority), id))
    }

    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_first_then_submission_order() {
        let ids: Vec<Id> = (0..4)
            .map(|_| {
                std::thread::sleep(std::time::Duration::from_millis(2));
                Id::new()
            })
            .collect();
        let mut queue = Queue::default();
        queue.push(ids[0], 0);
        queue.push(ids[1], 5);
        queue.push(ids[2], 0);
        queue.push(ids[3], 5);
        assert!(queue.remove(ids[2], 0));
        assert!(!queue.remove(ids[2], 0));
        let order: Vec<Id> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(order, vec![ids[1], ids[3], ids[0]]);
    }
}
