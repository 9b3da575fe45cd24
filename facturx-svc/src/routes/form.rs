//! The multipart forms of the API, read within the upload limit.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use common::error::{ApiError, ErrorCode};
use common::http::upload::read_multipart;

use crate::configuration::Limits;

pub struct Form {
    fields: HashMap<String, Vec<u8>>,
}

impl Form {
    pub async fn read(request: &HttpRequest, payload: Multipart, limits: &Limits) -> Result<Self, ApiError> {
        let parts = read_multipart(request, payload, limits.max_upload_bytes, "MAX_UPLOAD_SIZE_MB").await?;
        Ok(Self { fields: parts.into_iter().map(|part| (part.name, part.bytes)).collect() })
    }

    pub fn take(&mut self, name: &str) -> Option<Vec<u8>> {
        self.fields.remove(name).filter(|bytes| !bytes.is_empty())
    }

    pub fn require(&mut self, names: &[&str]) -> Result<Vec<u8>, ApiError> {
        names.iter().find_map(|name| self.take(name)).ok_or_else(|| {
            ApiError::new(ErrorCode::BadRequest, format!("The form has no `{}` field.", names.join("` or `")))
        })
    }

    pub fn text(&mut self, name: &str) -> Option<String> {
        self.take(name).map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
    }

    /// A boolean field, false when absent.
    pub fn flag(&mut self, name: &str) -> Result<bool, ApiError> {
        match self.text(name).as_deref() {
            None | Some("" | "false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(_) => Err(ApiError::new(ErrorCode::BadRequest, format!("`{name}` is true or false."))),
        }
    }
}
