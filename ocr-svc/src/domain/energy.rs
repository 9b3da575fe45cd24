use std::fmt;

use serde::Serialize;

/// The energy a bill is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EnergyType {
    Electricite,
    Gaz,
    Dual,
}

impl EnergyType {
    pub fn as_str(self) -> &'static str {
        match self {
            EnergyType::Electricite => "electricite",
            EnergyType::Gaz => "gaz",
            EnergyType::Dual => "dual",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            EnergyType::Electricite => "électricité",
            EnergyType::Gaz => "gaz naturel",
            EnergyType::Dual => "électricité et gaz",
        }
    }

    pub fn parts(self) -> &'static [Part] {
        match self {
            EnergyType::Electricite => &[Part::Electricite],
            EnergyType::Gaz => &[Part::Gaz],
            EnergyType::Dual => &[Part::Electricite, Part::Gaz],
        }
    }
}

impl fmt::Display for EnergyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `type` form field: what the caller says the bill is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestedType {
    #[default]
    Auto,
    Known(EnergyType),
}

impl RequestedType {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(RequestedType::Auto),
            "electricite" | "électricité" => Ok(RequestedType::Known(EnergyType::Electricite)),
            "gaz" => Ok(RequestedType::Known(EnergyType::Gaz)),
            "dual" => Ok(RequestedType::Known(EnergyType::Dual)),
            _ => Err("type must be one of auto, electricite, gaz, dual".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RequestedType::Auto => "auto",
            RequestedType::Known(energy) => energy.as_str(),
        }
    }
}

/// One energy's part of a bill (a dual bill has both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Electricite,
    Gaz,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Electricite => "electricite",
            Part::Gaz => "gaz",
        }
    }

    pub fn energy(self) -> EnergyType {
        match self {
            Part::Electricite => EnergyType::Electricite,
            Part::Gaz => EnergyType::Gaz,
        }
    }
}

/// The `confidence_min` form field, 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfidenceMin(f32);

impl Default for ConfidenceMin {
    fn default() -> Self {
        Self(0.5)
    }
}

impl ConfidenceMin {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value: f32 =
            raw.trim().replace(',', ".").parse().map_err(|_| "confidence_min must be a number".to_owned())?;
        if (0.0..=1.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err("confidence_min must be between 0 and 1".into())
        }
    }

    pub fn value(self) -> f32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_types_parse_as_the_seed_lists_them() {
        assert_eq!(RequestedType::parse("auto"), Ok(RequestedType::Auto));
        assert_eq!(RequestedType::parse("GAZ"), Ok(RequestedType::Known(EnergyType::Gaz)));
        assert!(RequestedType::parse("fioul").is_err());
    }

    #[test]
    fn confidence_min_is_a_probability() {
        assert_eq!(ConfidenceMin::parse("0,7").map(ConfidenceMin::value), Ok(0.7));
        assert!(ConfidenceMin::parse("1.5").is_err());
        assert!(ConfidenceMin::parse("NaN").is_err());
    }
}
