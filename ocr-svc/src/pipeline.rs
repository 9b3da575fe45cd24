//! One bill from bytes to reports: read, extract, analyse, render.

use serde::Serialize;

use crate::analysis::{Analysis, analyse, highlights};
use crate::domain::energy::{ConfidenceMin, EnergyType, RequestedType};
use crate::domain::upload::FileKind;
use crate::engine::{Engine, EngineError, PageProgress};
use crate::extraction::{Check, Extraction, extract};
use crate::report::{Reports, render_both};

/// What the caller uploaded: one PDF, or up to eight page images.
pub enum Document {
    Pdf(Vec<u8>),
    Images(Vec<(FileKind, Vec<u8>)>),
}

impl Document {
    pub fn source_kind(&self) -> &'static str {
        match self {
            Document::Pdf(_) => "pdf",
            Document::Images(_) => "images",
        }
    }
}

/// How strictly the caller wants the bill checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expectations {
    pub requested: RequestedType,
    pub confidence_min: ConfidenceMin,
    pub strict: bool,
}

pub struct Outcome {
    pub extraction: Extraction,
    pub analysis: Analysis,
    pub highlights: Vec<String>,
    pub reports: Reports,
}

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("le document ne contient pas de texte lisible")]
    NothingRead,
    #[error("the bill is for {detected} but {requested} was requested")]
    EnergyMismatch { requested: EnergyType, detected: EnergyType },
    #[error("confidence {confidence:.2} is below confidence_min {minimum:.2}")]
    LowConfidence { confidence: f32, minimum: f32 },
}

/// The figures a caller sees about how the bill was read.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReadingSummary {
    pub energy_type: EnergyType,
    pub confidence: f32,
    pub pages: usize,
    pub ocr_pages: usize,
    pub checks: Vec<Check>,
}

impl Outcome {
    pub fn summary(&self) -> ReadingSummary {
        ReadingSummary {
            energy_type: self.extraction.energy_type,
            confidence: (self.extraction.fields.mean_confidence() * 1000.0).round() / 1000.0,
            pages: self.extraction.pages,
            ocr_pages: self.extraction.ocr_pages,
            checks: self.extraction.checks.clone(),
        }
    }
}

/// `progress`, when given, follows the pages as they are read.
pub async fn process(
    engine: &Engine,
    document: &Document,
    expectations: Expectations,
    progress: Option<&PageProgress>,
) -> Result<Outcome, Refusal> {
    let pages = match document {
        Document::Pdf(pdf) => engine.read_pdf(pdf, progress).await?,
        Document::Images(images) => {
            let images: Vec<&[u8]> = images.iter().map(|(_, bytes)| bytes.as_slice()).collect();
            engine.read_images(&images, progress).await?
        }
    };
    let mut extraction = tokio::task::spawn_blocking(move || extract(&pages))
        .await
        .map_err(|error| EngineError::Tool { tool: "extraction", reason: error.to_string() })?;
    if extraction.fields.is_empty() {
        return Err(Refusal::NothingRead);
    }
    if let RequestedType::Known(requested) = expectations.requested {
        if expectations.strict && requested != extraction.energy_type {
            return Err(Refusal::EnergyMismatch { requested, detected: extraction.energy_type });
        }
        extraction.energy_type = requested;
    }
    let confidence = extraction.fields.mean_confidence();
    if expectations.strict && confidence < expectations.confidence_min.value() {
        return Err(Refusal::LowConfidence { confidence, minimum: expectations.confidence_min.value() });
    }
    tokio::task::spawn_blocking(move || {
        let analysis = analyse(&extraction);
        let highlights = highlights(&analysis);
        let reports = render_both(&extraction, &analysis, &highlights);
        Outcome { extraction, analysis, highlights, reports }
    })
    .await
    .map_err(|error| Refusal::Engine(EngineError::Tool { tool: "analysis", reason: error.to_string() }))
}
