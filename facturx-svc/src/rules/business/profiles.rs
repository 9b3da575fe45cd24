//! Which profiles' official schematrons state each EN 16931 business rule
//! and CII syntax binding rule (`profiles.txt`, derived by
//! scripts/facturx-business-rules.py): a rule is reported on a document
//! only where its profile's schematron states it.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::domain::Profile;

static PROFILES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    include_str!("profiles.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split_once(' ').unwrap_or_else(|| panic!("profiles.txt: unreadable line {line:?}")))
        .collect()
});

/// The profile's letter in `profiles.txt`; XRechnung, an EN 16931 CIUS,
/// reads EN 16931's.
fn letter(profile: Profile) -> Option<char> {
    match profile {
        Profile::Minimum => Some('M'),
        Profile::BasicWl => Some('W'),
        Profile::Basic => Some('B'),
        Profile::En16931 | Profile::XRechnung => Some('E'),
        Profile::Extended => Some('X'),
        Profile::ExtendedCtcFr => Some('F'),
        Profile::Zugferd1Basic | Profile::Zugferd1Comfort | Profile::Zugferd1Extended => None,
    }
}

/// Whether the profile's schematron states the rule; a rule no schematron
/// names (the service's own) is always stated.
pub(super) fn states(rule: &str, profile: Profile) -> bool {
    PROFILES.get(rule).is_none_or(|letters| letter(profile).is_some_and(|letter| letters.contains(letter)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_and_names_each_profile() {
        assert!(PROFILES.len() >= 250, "{} rules in profiles.txt", PROFILES.len());
        assert!(states("BR-38", Profile::XRechnung));
        assert!(!states("BR-38", Profile::Extended));
        assert!(states("BR-FREXT-BR-38", Profile::ExtendedCtcFr));
        assert!(!states("BR-30", Profile::BasicWl));
        assert!(!states("BR-CO-09", Profile::Zugferd1Basic));
        assert!(states("FR-SIREN-KEY", Profile::Minimum));
    }
}
