//! The theme names meanings, not colours: a status, a response, a selected row, a muted word.
//! Colours are the Okabe–Ito palette (distinguishable with the common colour-vision
//! deficiencies), as 256-colour indexes that SSH terminals render; with `NO_COLOR` set there
//! are no colours at all, only bold, reverse and the symbols and words that every status
//! carries anyway.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::{AssessmentStatus, Response};

const VERMILLION: Color = Color::Indexed(166);
const ORANGE: Color = Color::Indexed(214);
const PURPLE: Color = Color::Indexed(175);
const SKY: Color = Color::Indexed(117);
const GREEN: Color = Color::Indexed(36);
const YELLOW: Color = Color::Indexed(227);
const BLUE: Color = Color::Indexed(32);
const GREY: Color = Color::Indexed(245);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set (to anything non-empty, as no-color.org asks).
    pub fn from_env() -> Self {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()),
        }
    }

    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn status(self, status: Option<AssessmentStatus>) -> Style {
        match status {
            Some(AssessmentStatus::Refractory) => self.fg(VERMILLION).add_modifier(Modifier::BOLD),
            Some(AssessmentStatus::Resistant) => self.fg(ORANGE).add_modifier(Modifier::BOLD),
            Some(AssessmentStatus::Relapsed) => self.fg(PURPLE),
            Some(AssessmentStatus::NotMet) => self.fg(SKY),
            Some(AssessmentStatus::InsufficientData) => self.fg(YELLOW),
            None => self.muted(),
        }
    }

    pub fn response(self, response: Option<Response>) -> Style {
        match response.map(Response::depth) {
            Some(5..) => self.fg(GREEN),
            Some(2..=4) => self.fg(SKY),
            Some(1) => self.fg(YELLOW),
            Some(0) => self.fg(VERMILLION),
            _ => self.fg(GREY),
        }
    }

    pub fn title(self) -> Style {
        self.fg(BLUE).add_modifier(Modifier::BOLD)
    }

    pub fn header(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn muted(self) -> Style {
        if self.color {
            Style::new().fg(GREY)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn key(self) -> Style {
        self.fg(BLUE).add_modifier(Modifier::BOLD)
    }

    pub fn warning(self) -> Style {
        self.fg(ORANGE).add_modifier(Modifier::BOLD)
    }

    pub fn good(self) -> Style {
        self.fg(GREEN)
    }

    /// A drug kept and shown that no criterion reads as a treatment (CNS-directed, as needed):
    /// its words say why; the slant only sets it apart.
    pub fn not_read_as_treatment(self) -> Style {
        self.muted().add_modifier(Modifier::ITALIC)
    }

    pub fn border(self) -> Style {
        self.muted()
    }

    pub fn accent(self) -> Style {
        self.fg(SKY)
    }

    /// The character under the cursor of a field being typed.
    pub fn cursor(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}
