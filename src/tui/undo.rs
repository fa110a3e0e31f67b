//! Undo's memory: `u` takes back the last change a person saved in this session, newest first,
//! through the same checked and audited save as any other change. A colleague's change of the
//! same field since is a conflict, never overwritten silently; the audit log keeps both the
//! change and its undoing. What cannot be taken back safely is not offered: notes, reviews
//! and added records (the record keeps them), a save that changed nothing (the record already
//! said so: undoing it would set back a colleague's identical change), and a save made over a
//! colleague's change (going back would not give theirs back). The status line says why, and
//! what to do instead.

use super::worker::Save;

/// What a saved change changed, for its undo's message: a step's notes, owner, due date or
/// reason saved without a change of status are named ("the notes of step 1 (to do)"), since
/// the step's words alone ("step 1 (to do)") read the same before and after.
fn what_changed(message: &str, undo: &Result<Box<Save>, &'static str>) -> String {
    let Ok(save) = undo else {
        return message.to_owned();
    };
    let Save::WayForward(crate::way_forward::Change::Step(edit)) = save.as_ref() else {
        return message.to_owned();
    };
    // The undo goes from the step as saved (its base) back to the step before.
    let (Some(saved), before) = (&edit.base, &edit.new) else {
        return message.to_owned();
    };
    if saved.status != before.status {
        return message.to_owned();
    }
    let fields: Vec<&str> = [
        (saved.notes != before.notes, "notes"),
        (saved.owner != before.owner, "owner"),
        (saved.due != before.due, "due date"),
        (saved.na_reason != before.na_reason, "reason"),
    ]
    .into_iter()
    .filter_map(|(changed, name)| changed.then_some(name))
    .collect();
    match fields.split_last() {
        None => message.to_owned(),
        Some((last, [])) => format!("the {last} of {message}"),
        Some((last, rest)) => format!("the {} and {last} of {message}", rest.join(", ")),
    }
}

/// One change saved in this session, and how to take it back.
#[derive(Debug, Clone)]
pub struct Undoable {
    /// What was saved, in the words the status line used ("step 2: done").
    pub what: String,
    /// Whose record it changed, when known: the MRN and the initials (shown when identity
    /// is masked), so that `u` never changes a patient without naming them.
    pub whose: Option<Whose>,
    /// The save that takes it back, or why there is none.
    pub undo: Result<Box<Save>, &'static str>,
}

/// A patient as the status line names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Whose {
    pub mrn: String,
    pub initials: String,
}

impl Whose {
    /// " · RF-0000123", or " · M. L." on a masked screen.
    pub fn label(&self, masked: bool) -> String {
        format!(" · {}", if masked { &self.initials } else { &self.mrn })
    }
}

/// An undo sent to the worker and not answered yet.
#[derive(Debug, Clone)]
struct Undoing {
    ticket: u64,
    what: String,
    save: Box<Save>,
}

/// The session's saved changes, newest last, and the undos on their way to the file.
#[derive(Debug, Clone, Default)]
pub struct UndoHistory {
    done: Vec<Undoable>,
    in_flight: Vec<Undoing>,
    /// A person's saves sent and not answered yet: until they are, the last change is not
    /// known, and `u` would take back the one before it.
    waiting: Vec<u64>,
}

/// How many changes a session remembers: more than anyone takes back by hand.
const REMEMBERED: usize = 100;

impl UndoHistory {
    /// A person's save was sent as `ticket`.
    pub fn sending(&mut self, ticket: u64) {
        self.waiting.push(ticket);
    }

    /// Whether a person's save is still on its way.
    pub fn saving(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// A save was made: remembers it, unless it was an undo, whose words are returned
    /// ("undone: …") for the status line.
    pub fn saved(
        &mut self,
        ticket: u64,
        message: &str,
        whose: Option<Whose>,
        undo: Result<Box<Save>, &'static str>,
    ) -> Option<String> {
        self.waiting.retain(|t| *t != ticket);
        if let Some(index) = self.in_flight.iter().position(|u| u.ticket == ticket) {
            let undone = self.in_flight.swap_remove(index);
            return Some(format!("undone: {} (now {message})", undone.what));
        }
        if self.done.len() == REMEMBERED {
            self.done.remove(0);
        }
        self.done.push(Undoable {
            what: what_changed(message, &undo),
            whose,
            undo,
        });
        None
    }

    /// The last change remembered, taken off the list: what it was, and its undo (or why
    /// there is none).
    pub fn take_last(&mut self) -> Option<Undoable> {
        self.done.pop()
    }

    /// An undo of `what` was sent as save `ticket`.
    pub fn sent(&mut self, ticket: u64, what: String, save: Box<Save>) {
        self.waiting.retain(|t| *t != ticket);
        self.in_flight.push(Undoing { ticket, what, save });
    }

    /// A save was refused. When it was an undo: what it was to take back, and the undo save,
    /// taken off the list (the caller puts it back, or keeps it for an overwrite).
    pub fn refused(&mut self, ticket: u64) -> Option<(String, Box<Save>)> {
        self.waiting.retain(|t| *t != ticket);
        let index = self.in_flight.iter().position(|u| u.ticket == ticket)?;
        let undoing = self.in_flight.swap_remove(index);
        Some((undoing.what, undoing.save))
    }

    /// An undo that could not be made goes back on the list: the next `u` tries it again.
    pub fn put_back(&mut self, what: String, save: Box<Save>) {
        self.done.push(Undoable {
            what,
            whose: None,
            undo: Ok(save),
        });
    }
}
