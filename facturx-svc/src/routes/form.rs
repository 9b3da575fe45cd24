//! The multipart forms of the API, read within the upload limit: refused
//! from Content-Length before reading, and while streaming otherwise.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::{HttpRequest, http::header};
use common::error::{ApiError, ErrorCode};
use futures_util::StreamExt as _;

use crate::configuration::Limits;

pub struct Form {
    fields: HashMap<String, Vec<u8>>,
}

impl Form {
    pub async fn read(request: &HttpRequest, mut payload: Multipart, limits: &Limits) -> Result<Self, ApiError> {
        let too_large = || {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("The upload is larger than MAX_UPLOAD_SIZE_MB ({} bytes).", limits.max_upload_bytes),
            )
        };
        let declared =
            request.headers().get(header::CONTENT_LENGTH).and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limits.max_upload_bytes) {
            return Err(too_large());
        }
        let malformed = |error: actix_multipart::MultipartError| {
            ApiError::new(ErrorCode::BadRequest, format!("Malformed form: {error}"))
        };
        let mut fields = HashMap::new();
        let mut received = 0u64;
        while let Some(field) = payload.next().await {
            let mut field = field.map_err(malformed)?;
            let name = field.name().unwrap_or_default().to_owned();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(malformed)?;
                received += chunk.len() as u64;
                if received > limits.max_upload_bytes {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            fields.insert(name, bytes);
        }
        Ok(Self { fields })
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
