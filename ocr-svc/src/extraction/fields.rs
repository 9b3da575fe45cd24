//! The fields read off a bill, each with its confidence and where it was read.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use crate::domain::energy::Part;
use crate::engine::Location;

/// What a bill says, field by field. Part fields (the PDL, the consumption,
/// the excise…) are kept per energy, so a dual bill has both sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Name {
    Supplier,
    CustomerName,
    CustomerAddress,
    InvoiceNumber,
    ContractNumber,
    InvoiceDate,
    DueDate,
    TotalExclVat,
    TotalVat,
    TotalInclVat,
    VatReduced,
    VatStandard,
    ExtraFees,
    // Per part.
    DeliveryPoint,
    PeriodStart,
    PeriodEnd,
    TariffOption,
    SubscribedKva,
    ReadingKind,
    ConsumptionKwh,
    BaseKwh,
    PeakKwh,
    OffPeakKwh,
    VolumeM3,
    ConversionFactor,
    TariffZone,
    Subscription,
    EnergyAmount,
    Delivery,
    Excise,
    ExciseRate,
    Cta,
}

impl Name {
    pub fn as_str(self) -> &'static str {
        match self {
            Name::Supplier => "supplier",
            Name::CustomerName => "customer_name",
            Name::CustomerAddress => "customer_address",
            Name::InvoiceNumber => "invoice_number",
            Name::ContractNumber => "contract_number",
            Name::InvoiceDate => "invoice_date",
            Name::DueDate => "due_date",
            Name::TotalExclVat => "total_excl_vat",
            Name::TotalVat => "total_vat",
            Name::TotalInclVat => "total_incl_vat",
            Name::VatReduced => "vat_5_5",
            Name::VatStandard => "vat_20",
            Name::ExtraFees => "extra_fees",
            Name::DeliveryPoint => "delivery_point",
            Name::PeriodStart => "period_start",
            Name::PeriodEnd => "period_end",
            Name::TariffOption => "tariff_option",
            Name::SubscribedKva => "subscribed_kva",
            Name::ReadingKind => "reading_kind",
            Name::ConsumptionKwh => "consumption_kwh",
            Name::BaseKwh => "base_kwh",
            Name::PeakKwh => "peak_kwh",
            Name::OffPeakKwh => "off_peak_kwh",
            Name::VolumeM3 => "volume_m3",
            Name::ConversionFactor => "conversion_factor",
            Name::TariffZone => "tariff_zone",
            Name::Subscription => "subscription",
            Name::EnergyAmount => "energy_amount",
            Name::Delivery => "delivery",
            Name::Excise => "excise",
            Name::ExciseRate => "excise_rate",
            Name::Cta => "cta",
        }
    }
}

/// A field's key: `supplier`, or `electricite.delivery_point` for a part's field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub part: Option<Part>,
    pub name: Name,
}

impl Key {
    pub fn bill(name: Name) -> Self {
        Self { part: None, name }
    }

    pub fn of(part: Part, name: Name) -> Self {
        Self { part: Some(part), name }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.part {
            Some(part) => write!(f, "{}.{}", part.as_str(), self.name.as_str()),
            None => f.write_str(self.name.as_str()),
        }
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Date(NaiveDate),
    Text(String),
}

impl Value {
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(date) => Some(*date),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// Whether two readings of a field agree (amounts to the cent).
    pub fn matches(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => (a - b).abs() < 0.005 + 1e-9 * a.abs(),
            (Value::Text(a), Value::Text(b)) => crate::extraction::text::fold(a) == crate::extraction::text::fold(b),
            _ => self == other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Field {
    pub value: Value,
    /// 0..=1: how sure the reading is (OCR quality, label match, totals that add up).
    pub confidence: f32,
    pub source: Location,
}

/// Every field found on a bill.
#[derive(Debug, Clone, Default)]
pub struct Fields(BTreeMap<Key, Field>);

impl Fields {
    /// Keeps the first reading of a field, unless a later one is surer.
    pub fn offer(&mut self, key: Key, field: Field) {
        match self.0.get(&key) {
            Some(existing) if existing.confidence >= field.confidence => {}
            _ => {
                self.0.insert(key, field);
            }
        }
    }

    pub fn get(&self, key: Key) -> Option<&Field> {
        self.0.get(&key)
    }

    pub fn number(&self, key: Key) -> Option<f64> {
        self.get(key).and_then(|field| field.value.as_number())
    }

    pub fn date(&self, key: Key) -> Option<NaiveDate> {
        self.get(key).and_then(|field| field.value.as_date())
    }

    pub fn text(&self, key: Key) -> Option<&str> {
        self.get(key).and_then(|field| field.value.as_text())
    }

    pub fn adjust_confidence(&mut self, key: Key, adjust: impl Fn(f32) -> f32) {
        if let Some(field) = self.0.get_mut(&key) {
            field.confidence = adjust(field.confidence).clamp(0.0, 1.0);
        }
    }

    /// The values alone, as the ground truth of a synthetic bill is kept.
    pub fn values(&self) -> BTreeMap<Key, Value> {
        self.0.iter().map(|(key, field)| (*key, field.value.clone())).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Field)> {
        self.0.iter()
    }

    pub fn retain(&mut self, keep: impl Fn(&Key) -> bool) {
        self.0.retain(|key, _| keep(key));
    }

    /// The bill's overall confidence: the mean over the fields found.
    pub fn mean_confidence(&self) -> f32 {
        if self.0.is_empty() {
            return 0.0;
        }
        self.0.values().map(|field| field.confidence).sum::<f32>() / self.0.len() as f32
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, field)| (key.to_string(), field)))
    }
}
