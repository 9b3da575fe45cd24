//! What a French invoice must say that its data may leave out, derived the
//! way French businesses write it, so that what the service makes passes
//! the French rules (BR-FR) a PA applies; each derivation is named in the
//! answer, so that nothing is added behind the caller's back.

use super::invoice::{Identifier, Invoice, Note};
use super::profile::Profile;

/// The mentions French law requires on every B2B invoice (Code de commerce,
/// art. L441-9 and L441-10), as notes with their UNTDID 4451 subject codes
/// (BR-FR-05), in the wording most invoices use.
const LEGAL_NOTES: [(&str, &str, &str); 3] = [
    ("PMT", "BT-22 PMT", "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €."),
    (
        "PMD",
        "BT-22 PMD",
        "Pénalités de retard : taux de refinancement de la BCE majoré de 10 points, exigibles dès le lendemain de l'échéance.",
    ),
    ("AAB", "BT-22 AAB", "Pas d'escompte pour paiement anticipé."),
];

/// UN/ECE Recommendation 20 units of time: a line sold by the hour, the
/// day or the month is a service; any other unit, goods.
const TIME_UNITS: [&str; 9] = ["SEC", "MIN", "HUR", "DAY", "WEE", "MON", "ANN", "QAN", "LH"];

/// The ISO 6523 scheme of a SIREN (BT-30) and the French directory's
/// electronic address scheme (BT-34, BT-49).
const SIREN_SCHEME: &str = "0002";
const ADDRESS_SCHEME: &str = "0225";

impl Invoice {
    /// The seller (BT-40) or the buyer (BT-55) is in France.
    pub fn has_french_party(&self) -> bool {
        [&self.seller, &self.buyer]
            .iter()
            .any(|party| party.address.as_ref().is_some_and(|address| address.country_code == "FR"))
    }

    /// Adds what the French rules require and the data lets us derive,
    /// where the French rules apply (`Profile::follows_french_rules`); what
    /// was added, by business term.
    pub fn derive_french_terms(&mut self, profile: Profile) -> Vec<&'static str> {
        if !profile.follows_french_rules(self.has_french_party()) {
            return Vec::new();
        }
        let mut derived = Vec::new();
        for (code, term, text) in LEGAL_NOTES {
            if !self.notes.iter().any(|note| note.subject_code.as_deref() == Some(code)) {
                self.notes.push(Note { subject_code: Some(code.to_owned()), text: text.to_owned() });
                derived.push(term);
            }
        }
        if self.business_process.is_none() {
            self.business_process = Some(self.billing_frame().to_owned());
            derived.push("BT-23");
        }
        for (party, term) in [(&mut self.seller, "BT-34"), (&mut self.buyer, "BT-49")] {
            let siren = party.legal_registration.as_ref().filter(|id| id.scheme.as_deref() == Some(SIREN_SCHEME));
            if let (None, Some(siren)) = (&party.electronic_address, siren) {
                party.electronic_address =
                    Some(Identifier { id: siren.id.clone(), scheme: Some(ADDRESS_SCHEME.to_owned()) });
                derived.push(term);
            }
        }
        derived
    }

    /// BT-23, the billing frame of a plain invoice: goods (B1), services
    /// (S1) or both (M1), from the lines' units.
    fn billing_frame(&self) -> &'static str {
        let services = self.lines.iter().filter(|line| TIME_UNITS.contains(&line.unit.as_str())).count();
        match (services, self.lines.len() - services) {
            (0, goods) if goods > 0 => "B1",
            (_, 0) => "S1",
            _ => "M1",
        }
    }
}
