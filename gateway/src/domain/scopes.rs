//! Which services a credential may call: `*` for all of them, or a
//! space-separated list of service names (the gateway's path prefixes).

use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scopes {
    All,
    Services(BTreeSet<String>),
}

impl Scopes {
    /// Parses the stored form; `None` for an empty list or a name that is
    /// not a plain lowercase word.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw == "*" {
            return Some(Self::All);
        }
        let services: BTreeSet<String> = raw.split_whitespace().map(str::to_owned).collect();
        let valid = !services.is_empty()
            && services.iter().all(|s| s.len() <= 32 && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
        valid.then_some(Self::Services(services))
    }

    pub fn allows(&self, service: &str) -> bool {
        match self {
            Self::All => true,
            Self::Services(services) => services.contains(service),
        }
    }

    pub fn to_list(&self) -> Vec<String> {
        match self {
            Self::All => vec!["*".to_owned()],
            Self::Services(services) => services.iter().cloned().collect(),
        }
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_list().join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_allow() {
        assert!(Scopes::parse("*").expect("all").allows("erp"));
        let ocr_only = Scopes::parse("ocr  facturx").expect("list");
        assert!(ocr_only.allows("ocr") && ocr_only.allows("facturx") && !ocr_only.allows("erp"));
        assert_eq!(ocr_only.to_string(), "facturx ocr");
        assert_eq!(Scopes::parse(&ocr_only.to_string()), Some(ocr_only));
        for bad in ["", "   ", "ERP", "erp;drop", "a*"] {
            assert!(Scopes::parse(bad).is_none(), "{bad:?} parsed");
        }
    }
}
