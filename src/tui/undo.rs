//! Undo's memory: `u` takes back the last change a person saved in this session, newest first, through
//! the same checked and audited save as any other change. A colleague's change of the same
//! field since is a conflict, never overwritten silently; the audit log keeps both the change
//! and its undoing. Notes, reviews and added records are not undone (the record keeps them);
//! the status line says why, and what to do instead.

use super::worker::Save;

/// One change saved in this session, and how to take it back.
#[derive(Debug, Clone)]
struct Undoable {
    /// What was saved, in the words the status line used ("step 2: done").
    what: String,
    undo: Result<Box<Save>, &'static str>,
}

/// The session's saved changes, newest last, and the undos on their way to the file.
#[derive(Debug, Clone, Default)]
pub struct UndoHistory {
    done: Vec<Undoable>,
    /// Tickets of undo saves not answered yet, with what they take back.
    in_flight: Vec<(u64, String)>,
}

/// How many changes a session remembers: more than anyone takes back by hand.
const REMEMBERED: usize = 100;

impl UndoHistory {
    /// A save was made: remembers it, unless it was an undo, whose words are returned
    /// ("undone: …") for the status line.
    pub fn saved(
        &mut self,
        ticket: u64,
        message: &str,
        undo: Result<Box<Save>, &'static str>,
    ) -> Option<String> {
        if let Some(index) = self.in_flight.iter().position(|(t, _)| *t == ticket) {
            let (_, what) = self.in_flight.swap_remove(index);
            return Some(format!("undone: {what}"));
        }
        if self.done.len() == REMEMBERED {
            self.done.remove(0);
        }
        self.done.push(Undoable {
            what: message.to_owned(),
            undo,
        });
        None
    }

    /// The last change remembered, taken off the list: what it was, and its undo (or why
    /// there is none).
    pub fn take_last(&mut self) -> Option<(String, Result<Box<Save>, &'static str>)> {
        self.done.pop().map(|last| (last.what, last.undo))
    }

    /// An undo was sent as save `ticket`, taking back `what`.
    pub fn sent(&mut self, ticket: u64, what: String) {
        self.in_flight.push((ticket, what));
    }

    /// A save was refused: when it was an undo, what it was to take back (the change stays
    /// as saved, and the refusal says why).
    pub fn refused(&mut self, ticket: u64) -> Option<String> {
        let index = self.in_flight.iter().position(|(t, _)| *t == ticket)?;
        Some(self.in_flight.swap_remove(index).1)
    }
}
