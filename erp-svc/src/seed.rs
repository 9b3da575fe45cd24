//! Demonstration data (the original's `seed_data.py`): two clients with
//! their sites and equipment, interventions at every stage, a preventive
//! plan. Seeding twice changes nothing.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use common::error::ApiError;

use crate::domain::Status;
use crate::store::{
    Change, ClientFields, EquipmentFields, InterventionFields, NewIntervention, Page, PlanFields, SiteFields, Store,
};

const SEEDER: &str = "seed";

/// What was created: clients, interventions (none when already seeded).
pub async fn seed(store: &Store, now: DateTime<Utc>) -> Result<(usize, usize), ApiError> {
    let (existing, _) = store.clients(Some("DEMO-BOULANGERIE"), Page { page: 1, per_page: 1 }).await?;
    if !existing.is_empty() {
        return Ok((0, 0));
    }
    let change = Change { actor: SEEDER, at: now };
    let mut interventions = 0;
    for (reference, name, city, equipment) in [
        ("DEMO-BOULANGERIE", "Boulangerie Martin", "Lyon", ("four à sole", "Bongard", "Cervap")),
        ("DEMO-CLINIQUE", "Clinique du Parc", "Villeurbanne", ("climatisation", "Daikin", "VRV IV")),
    ] {
        let client = store
            .create_client(
                &ClientFields {
                    reference: reference.to_owned(),
                    name: name.to_owned(),
                    email: Some(format!("contact@{}.example", reference.to_lowercase())),
                    phone: Some("04 78 00 00 00".to_owned()),
                    address: Some(format!("1 place Bellecour, 69002 {city}")),
                },
                change,
            )
            .await?;
        let site = store
            .create_site(
                client,
                &SiteFields {
                    name: "Site principal".to_owned(),
                    address: Some("1 place Bellecour".to_owned()),
                    postal_code: Some("69002".to_owned()),
                    city: Some(city.to_owned()),
                    contact_name: Some("Responsable technique".to_owned()),
                    contact_phone: Some("06 00 00 00 00".to_owned()),
                    contact_email: None,
                },
                change,
            )
            .await?;
        let (kind, brand, model) = equipment;
        let equipment = store
            .create_equipment(
                site,
                &EquipmentFields {
                    kind: kind.to_owned(),
                    brand: Some(brand.to_owned()),
                    model: Some(model.to_owned()),
                    serial_number: Some(format!("SN-{}", reference.len() * 1000)),
                    installed_on: NaiveDate::from_ymd_opt(2021, 6, 1),
                    warranty_end: NaiveDate::from_ymd_opt(2026, 6, 1),
                },
                change,
            )
            .await?;
        store
            .create_plan(
                equipment,
                &PlanFields {
                    title: format!("Entretien préventif {kind}"),
                    description: None,
                    every: 6,
                    unit: "month".to_owned(),
                    next_due: now.date_naive() + Duration::days(20),
                    start_minute: 8 * 60,
                    duration_minutes: 180,
                    technician: Some("technicien@demo.example".to_owned()),
                    active: true,
                },
                change,
            )
            .await?;
        for (offset, status, title) in [
            (-7, Status::Closed, "Remise en service"),
            (2, Status::Planned, "Bruit anormal"),
            (9, Status::Draft, "Contrôle"),
        ] {
            let start = now + Duration::days(offset);
            let new = NewIntervention {
                client_id: client,
                site_id: site,
                status,
                fields: InterventionFields {
                    equipment_id: Some(equipment),
                    kind: "corrective".to_owned(),
                    priority: "normal".to_owned(),
                    title: format!("{title} — {kind}"),
                    description: Some("Donnée de démonstration.".to_owned()),
                    planned_start: Some(start),
                    planned_end: Some(start + Duration::hours(2)),
                    technicians: vec!["technicien@demo.example".to_owned()],
                },
                plan: None,
            };
            store.create_intervention(&new, now.year(), change, None).await?;
            interventions += 1;
        }
    }
    Ok((2, interventions))
}
