//! Reading a PDF's attachments and metadata, checking it for PDF/A-3,
//! and appending a Factur-X invoice to it as an incremental update.

mod decode;
mod embed;
mod fonts;
mod icc;
mod layout;
mod preflight;
mod read;
mod serialize;
mod syntax;
mod xmp;
mod xref;

pub use common::pdf::{FontFile, Typeface};
pub use embed::{Embedding, embed};
pub use layout::render;
pub use preflight::{Issue, preflight};
pub use read::{Attachment, Pdf, PdfError};
pub use xmp::{FX as FACTURX_XMP, FacturxXmp, ZUGFERD1 as ZUGFERD1_XMP};
