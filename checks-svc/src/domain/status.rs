use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A service's state in a check, ordered from unknown to worst (a
/// category shows its worst).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    Pending,
    Success,
    Warning,
    Error,
}

/// A check's state: opened by the scheduler (`pending`), worked on
/// (`in_progress`), then finished with the worst status of its services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pending,
    InProgress,
    Success,
    Warning,
    Error,
}

impl ServiceStatus {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Success, Self::Warning, Self::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Success => "success",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == raw)
    }

    /// French, as operators and clients read it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "À vérifier",
            Self::Success => "OK",
            Self::Warning => "Attention",
            Self::Error => "KO",
        }
    }
}

impl CheckStatus {
    const ALL: [Self; 5] = [Self::Pending, Self::InProgress, Self::Success, Self::Warning, Self::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InProgress => "in_progress",
            Self::Success => "success",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == raw)
    }

    pub fn is_finished(self) -> bool {
        matches!(self, Self::Success | Self::Warning | Self::Error)
    }

    /// The outcome of a finished check: its worst service, `None` while a
    /// service is still to be checked.
    pub fn outcome(services: impl IntoIterator<Item = ServiceStatus>) -> Option<Self> {
        let mut worst = Self::Success;
        for status in services {
            worst = match status {
                ServiceStatus::Pending => return None,
                ServiceStatus::Error => Self::Error,
                ServiceStatus::Warning if worst != Self::Error => Self::Warning,
                ServiceStatus::Warning | ServiceStatus::Success => worst,
            };
        }
        Some(worst)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "À faire",
            Self::InProgress => "En cours",
            Self::Success => "OK",
            Self::Warning => "Attention",
            Self::Error => "KO",
        }
    }
}

/// A status name the database holds that this version does not know.
#[derive(Debug)]
pub struct UnknownStatus(String);

impl std::fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown status {:?}", self.0)
    }
}

impl std::error::Error for UnknownStatus {}

/// How rows read their status column (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for ServiceStatus {
    type Error = UnknownStatus;

    fn try_from(raw: String) -> Result<Self, UnknownStatus> {
        Self::parse(&raw).ok_or(UnknownStatus(raw))
    }
}

impl TryFrom<String> for CheckStatus {
    type Error = UnknownStatus;

    fn try_from(raw: String) -> Result<Self, UnknownStatus> {
        Self::parse(&raw).ok_or(UnknownStatus(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_is_the_worst_service_and_waits_for_pending_ones() {
        use ServiceStatus::*;
        assert_eq!(CheckStatus::outcome([Success, Warning, Success]), Some(CheckStatus::Warning));
        assert_eq!(CheckStatus::outcome([Success, Error, Warning]), Some(CheckStatus::Error));
        assert_eq!(CheckStatus::outcome([Success, Pending, Error]), None);
        assert_eq!(CheckStatus::outcome([]), Some(CheckStatus::Success));
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in ServiceStatus::ALL {
            assert_eq!(ServiceStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(CheckStatus::parse("in_progress"), Some(CheckStatus::InProgress));
        assert_eq!(CheckStatus::parse("done"), None);
    }
}
