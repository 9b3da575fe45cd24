//! Values that parse: an intervention, a client or a plan can only be built
//! from valid ones.

mod document;
mod intervention;
mod period;

pub use common::text::{EmailAddress, Label, LocalTime};
pub use document::StoredFile;
pub use intervention::{DocumentKind, InterventionKind, Priority, SignerRole, Status, is_step, transition_allowed};
pub use period::{Period, PeriodUnit};

use common::error::{ApiError, FieldError};

/// Longest free text kept (descriptions, addresses).
pub const MAX_TEXT_CHARACTERS: usize = 10_000;

/// Text people type beyond a name: trimmed, blank means none, line breaks
/// and tabs allowed but no other control characters.
pub fn free_text(raw: &str, max_characters: usize) -> Result<Option<String>, String> {
    let value = raw.trim();
    if value.is_empty() {
        Ok(None)
    } else if value.chars().count() > max_characters {
        Err(format!("must be at most {max_characters} characters"))
    } else if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        Err("must not contain control characters".to_owned())
    } else {
        Ok(Some(value.to_owned()))
    }
}

/// Gathers every field's problem, so that one answer names them all.
#[derive(Debug, Default)]
pub struct FieldCheck {
    errors: Vec<FieldError>,
}

impl FieldCheck {
    pub fn check<T, E: ToString>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        parsed.map_err(|message| self.errors.push(FieldError::new(field, message.to_string()))).ok()
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn label(&mut self, field: &str, raw: &str) -> Option<Label> {
        self.check(field, Label::parse(raw))
    }

    /// An optional text: `None` in the outer option when it is invalid.
    pub fn text(&mut self, field: &str, raw: Option<&str>) -> Option<Option<String>> {
        self.check(field, raw.map_or(Ok(None), |raw| free_text(raw, MAX_TEXT_CHARACTERS)))
    }

    pub fn email(&mut self, field: &str, raw: Option<&str>) -> Option<Option<EmailAddress>> {
        let raw = raw.map(str::trim).filter(|raw| !raw.is_empty());
        self.check(field, raw.map(EmailAddress::parse).transpose())
    }

    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// The problems found, when some value could not be read.
    pub fn into_error(self) -> ApiError {
        ApiError::validation(self.errors)
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::validation(self.errors)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_keeps_lines_and_refuses_control_characters() {
        assert_eq!(free_text("  ", 10), Ok(None));
        assert_eq!(free_text(" a\nb ", 10), Ok(Some("a\nb".to_owned())));
        assert!(free_text("bell\u{7}", 10).is_err());
        assert!(free_text("abcdef", 5).is_err());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut check = FieldCheck::default();
        assert!(check.label("name", " ").is_none());
        assert!(check.email("email", Some("nobody@")).is_none());
        assert_eq!(check.email("contact", Some("  ")), Some(None));
        let error = check.finish().expect_err("two fields are wrong");
        let fields: Vec<&str> = error.field_errors().iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["name", "email"]);
    }
}
