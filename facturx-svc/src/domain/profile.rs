//! The Factur-X profiles and the guideline URNs (BT-24) that name them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Profile {
    #[serde(rename = "MINIMUM", alias = "minimum")]
    Minimum,
    #[serde(rename = "BASIC WL", alias = "basicwl", alias = "BASIC_WL", alias = "basic-wl")]
    BasicWl,
    #[serde(rename = "BASIC", alias = "basic")]
    Basic,
    #[serde(rename = "EN 16931", alias = "en16931", alias = "EN16931")]
    En16931,
    #[serde(rename = "EXTENDED", alias = "extended")]
    Extended,
    /// The French reform's extended profile (XP Z12-012): Factur-X
    /// EXTENDED's structure with FNFE-MPE's own business rules.
    #[serde(rename = "EXTENDED-CTC-FR", alias = "extended-ctc-fr", alias = "EXTENDED_CTC_FR")]
    ExtendedCtcFr,
    #[serde(rename = "XRECHNUNG", alias = "xrechnung")]
    XRechnung,
    /// ZUGFeRD 1.0 (FeRD, 2014), which French companies still receive from
    /// German suppliers: read and checked against its XSD, never written.
    #[serde(rename = "ZUGFERD 1.0 BASIC")]
    Zugferd1Basic,
    #[serde(rename = "ZUGFERD 1.0 COMFORT")]
    Zugferd1Comfort,
    #[serde(rename = "ZUGFERD 1.0 EXTENDED")]
    Zugferd1Extended,
}

/// Which family of rules a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Flavor {
    FacturX,
    Xrechnung,
    #[serde(rename = "zugferd-1")]
    Zugferd1,
}

const XRECHNUNG_PREFIX: &str = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_";

impl Profile {
    pub const ALL: [Profile; 10] = [
        Profile::Minimum,
        Profile::BasicWl,
        Profile::Basic,
        Profile::En16931,
        Profile::Extended,
        Profile::ExtendedCtcFr,
        Profile::XRechnung,
        Profile::Zugferd1Basic,
        Profile::Zugferd1Comfort,
        Profile::Zugferd1Extended,
    ];

    /// The profile a guideline URN names (Factur-X 1.0 and its ZUGFeRD 2
    /// spellings; XRechnung 2.x and 3.x).
    pub fn from_guideline(urn: &str) -> Option<Self> {
        let urn = urn.trim();
        if urn.starts_with(XRECHNUNG_PREFIX) {
            return Some(Profile::XRechnung);
        }
        if let Some(profile) = Profile::ALL.into_iter().find(|profile| profile.guideline() == urn) {
            return Some(profile);
        }
        // Other spellings (ZUGFeRD 2.x, XRechnung 1.x, other CIUS) name their
        // level as the official factur-x package reads it: the URN's last
        // segment, else the one before the last of what precedes `#`. Whether
        // the profile allows that spelling is its own rule (FX-SCH-A-000026,
        // FX-SCH-A-000556), so the rest of the invoice is still checked.
        let level = |segment: &str| match segment {
            "minimum" => Some(Profile::Minimum),
            "basicwl" => Some(Profile::BasicWl),
            "basic" => Some(Profile::Basic),
            "en16931" => Some(Profile::En16931),
            "extended" => Some(Profile::Extended),
            _ => None,
        };
        level(urn.rsplit(':').next()?).or_else(|| level(urn.split('#').next()?.rsplit(':').nth(1)?))
    }

    /// A profile from its API name, in any of the spellings clients use
    /// (`EN 16931`, `en16931`, `basic-wl`…).
    pub fn from_name(name: &str) -> Option<Self> {
        let compact = |name: &str| -> String {
            name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase()
        };
        Profile::ALL.into_iter().find(|profile| compact(profile.name()) == compact(name))
    }

    /// The URN written in BT-24.
    pub fn guideline(self) -> &'static str {
        match self {
            Profile::Minimum => "urn:factur-x.eu:1p0:minimum",
            Profile::BasicWl => "urn:factur-x.eu:1p0:basicwl",
            Profile::Basic => "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
            Profile::En16931 => "urn:cen.eu:en16931:2017",
            Profile::Extended => "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
            Profile::ExtendedCtcFr => "urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr",
            Profile::XRechnung => "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
            Profile::Zugferd1Basic => "urn:ferd:CrossIndustryDocument:invoice:1p0:basic",
            Profile::Zugferd1Comfort => "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort",
            Profile::Zugferd1Extended => "urn:ferd:CrossIndustryDocument:invoice:1p0:extended",
        }
    }

    /// The name used in the API.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Minimum => "MINIMUM",
            Profile::BasicWl => "BASIC WL",
            Profile::Basic => "BASIC",
            Profile::En16931 => "EN 16931",
            Profile::Extended => "EXTENDED",
            Profile::ExtendedCtcFr => "EXTENDED-CTC-FR",
            Profile::XRechnung => "XRECHNUNG",
            Profile::Zugferd1Basic => "ZUGFERD 1.0 BASIC",
            Profile::Zugferd1Comfort => "ZUGFERD 1.0 COMFORT",
            Profile::Zugferd1Extended => "ZUGFERD 1.0 EXTENDED",
        }
    }

    /// The XMP's `fx:ConformanceLevel`: the Factur-X extension schema
    /// knows only its own levels, and EXTENDED-CTC-FR is carried as a
    /// Factur-X EXTENDED (FNFE-MPE's France_RFE v1.4.0 note: the Factur-X
    /// EXTENDED profile is broader than EXTENDED-CTC-FR, which it contains).
    pub fn conformance_level(self) -> &'static str {
        match self {
            Profile::ExtendedCtcFr => Profile::Extended.name(),
            Profile::Zugferd1Basic => "BASIC",
            Profile::Zugferd1Comfort => "COMFORT",
            Profile::Zugferd1Extended => "EXTENDED",
            other => other.name(),
        }
    }

    /// The version of its specification a document of this profile whose
    /// BT-24 is `urn` follows: XRechnung's own, ZUGFeRD's (`2p1` → 2.1),
    /// else Factur-X 1.0's.
    pub fn version(self, urn: Option<&str>) -> String {
        if self.flavor() == Flavor::Zugferd1 {
            return "1.0".into();
        }
        if self == Profile::XRechnung {
            return self.xmp_version(urn);
        }
        let zugferd = urn.and_then(|urn| urn.split_once("zugferd.de:")).and_then(|(_, rest)| {
            let mut digits = rest.split([':', '#']).next()?.split('p');
            Some(format!("{}.{}", digits.next()?, digits.next()?))
        });
        zugferd.unwrap_or_else(|| "1.0".into())
    }

    /// Whether `generate` and `convert` write this profile: ZUGFeRD 1.0 is
    /// superseded by Factur-X and only read.
    pub fn is_written(self) -> bool {
        self.flavor() != Flavor::Zugferd1
    }

    /// The type of the document's root element in the structure tables.
    pub fn root_type(self) -> &'static str {
        match self.flavor() {
            Flavor::Zugferd1 => "CrossIndustryDocumentType",
            _ => "CrossIndustryInvoiceType",
        }
    }

    /// What the XMP's `fx:Version` says for an XML of this profile whose
    /// BT-24 is `urn`: XRechnung's own version (`xrechnung_2.3` → `2.3`,
    /// 3.0 when unreadable), Factur-X 1.0's otherwise.
    pub fn xmp_version(self, urn: Option<&str>) -> String {
        if self != Profile::XRechnung {
            return "1.0".into();
        }
        let version = urn
            .and_then(|urn| urn.rsplit_once("xrechnung_"))
            .map(|(_, version)| version.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect::<String>());
        version.filter(|version| !version.is_empty()).unwrap_or_else(|| "3.0".into())
    }

    pub fn flavor(self) -> Flavor {
        match self {
            Profile::XRechnung => Flavor::Xrechnung,
            Profile::Zugferd1Basic | Profile::Zugferd1Comfort | Profile::Zugferd1Extended => Flavor::Zugferd1,
            _ => Flavor::FacturX,
        }
    }

    /// The embedded file's name, fixed by each specification.
    pub fn attachment_name(self) -> &'static str {
        match self.flavor() {
            Flavor::Xrechnung => "xrechnung.xml",
            Flavor::Zugferd1 => "ZUGFeRD-invoice.xml",
            Flavor::FacturX => "factur-x.xml",
        }
    }

    /// Factur-X 1.0 §6.2.2: the XML is the invoice's data for the profiles
    /// below EN 16931, an alternative form of the visible invoice above.
    pub fn default_relationship(self) -> Relationship {
        match self {
            Profile::Minimum | Profile::BasicWl => Relationship::Data,
            _ => Relationship::Alternative,
        }
    }

    /// The structure a document of this profile must follow: XRechnung is an
    /// EN 16931 CIUS, so it uses the EN 16931 structure; EXTENDED-CTC-FR
    /// is a subset of Factur-X EXTENDED, so it uses that one.
    pub fn structure(self) -> Profile {
        match self {
            Profile::XRechnung => Profile::En16931,
            Profile::ExtendedCtcFr => Profile::Extended,
            other => other,
        }
    }

    /// The profile's name in the Factur-X tables (`structure.txt`,
    /// `usage.txt`); XRechnung uses the EN 16931 ones.
    pub fn table_name(self) -> &'static str {
        match self {
            Profile::Minimum => "minimum",
            Profile::BasicWl => "basicwl",
            Profile::Basic => "basic",
            Profile::En16931 | Profile::XRechnung => "en16931",
            Profile::Extended | Profile::ExtendedCtcFr => "extended",
            Profile::Zugferd1Basic | Profile::Zugferd1Comfort | Profile::Zugferd1Extended => "zugferd1",
        }
    }

    /// Whether the French rules (BR-FR) apply to an invoice of this
    /// profile: always to the French profile, and to the profiles the
    /// reform exchanges (EN 16931, EXTENDED) when a party is in France.
    pub fn follows_french_rules(self, has_french_party: bool) -> bool {
        match self {
            Profile::ExtendedCtcFr => true,
            Profile::En16931 | Profile::Extended => has_french_party,
            _ => false,
        }
    }

    /// Whether the EN 16931 business rules apply (Factur-X 1.0 §7.2: not
    /// to MINIMUM and BASIC WL, which are not complete invoices).
    pub fn follows_en16931_rules(self) -> bool {
        !matches!(self, Profile::Minimum | Profile::BasicWl) && self.flavor() != Flavor::Zugferd1
    }
}

/// The PDF/A-3 `AFRelationship` of the embedded XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Relationship {
    Data,
    Alternative,
    Source,
}

impl Relationship {
    pub fn pdf_name(self) -> &'static str {
        match self {
            Relationship::Data => "Data",
            Relationship::Alternative => "Alternative",
            Relationship::Source => "Source",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_reads_back_from_its_guideline() {
        for profile in Profile::ALL {
            assert_eq!(Profile::from_guideline(profile.guideline()), Some(profile));
        }
        let xrechnung_2 = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_2.3";
        assert_eq!(Profile::from_guideline(xrechnung_2), Some(Profile::XRechnung));
        assert_eq!(Profile::from_guideline("urn:factur-x.eu:1p0:comfort"), None);
        let zugferd_2 = "urn:cen.eu:en16931:2017#compliant#urn:zugferd.de:2p1:basic";
        assert_eq!(Profile::from_guideline(zugferd_2), Some(Profile::Basic));
        assert_eq!(Profile::from_guideline("urn:zugferd.de:2p0:minimum"), Some(Profile::Minimum));
        let xrechnung_1 = "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_1.2";
        assert_eq!(Profile::from_guideline(xrechnung_1), Some(Profile::En16931));
        assert_eq!(Profile::XRechnung.xmp_version(Some(xrechnung_2)), "2.3");
        assert_eq!(Profile::XRechnung.xmp_version(None), "3.0");
        assert_eq!(Profile::Basic.xmp_version(Some(zugferd_2)), "1.0");
    }

    #[test]
    fn names_read_back_in_the_spellings_clients_use() {
        for profile in Profile::ALL {
            assert_eq!(Profile::from_name(profile.name()), Some(profile));
        }
        assert_eq!(Profile::from_name("basic-wl"), Some(Profile::BasicWl));
        assert_eq!(Profile::from_name("en16931"), Some(Profile::En16931));
        assert_eq!(Profile::from_name("comfort"), None);
        assert_eq!(Profile::from_name("extended-ctc-fr"), Some(Profile::ExtendedCtcFr));
        assert_eq!(Profile::from_name("extended"), Some(Profile::Extended));
    }
}
