//! Webhook signatures by the Standard Webhooks scheme (as svix signs them):
//! `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64>`
//! where the signature is HMAC-SHA256 over `<id>.<timestamp>.<body>`.
//!
//! A secret written `whsec_<base64>` is decoded; any other string (the OCR
//! app's free-form WEBHOOK_SECRET) is used as raw bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// `request` carrying `body` (JSON) as the Standard Webhooks delivery
/// `message_id` sent at `timestamp`: id and timestamp headers, and the
/// signature when there is a signer.
pub fn standard_webhook(
    request: reqwest::RequestBuilder,
    message_id: &str,
    timestamp: i64,
    body: &[u8],
    signer: Option<&WebhookSigner>,
) -> reqwest::RequestBuilder {
    let mut request = request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(ID_HEADER, message_id)
        .header(TIMESTAMP_HEADER, timestamp.to_string());
    if let Some(signer) = signer {
        request = request.header(SIGNATURE_HEADER, signer.sign(message_id, timestamp, body));
    }
    request.body(body.to_vec())
}

/// How far a receiver accepts a timestamp from its own clock.
pub const TOLERANCE_SECS: i64 = 5 * 60;

pub struct WebhookSigner {
    key: SecretSlice<u8>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the timestamp is too far from now")]
    StaleTimestamp,
    #[error("no signature matches")]
    BadSignature,
}

impl WebhookSigner {
    pub fn new(secret: &SecretString) -> Self {
        let raw = secret.expose_secret();
        let key = raw
            .strip_prefix("whsec_")
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .unwrap_or_else(|| raw.as_bytes().to_vec());
        Self { key: key.into() }
    }

    fn mac(&self, message_id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.key.expose_secret()).expect("HMAC accepts keys of any length");
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }

    /// The `webhook-signature` header value.
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", STANDARD.encode(self.mac(message_id, timestamp, body)))
    }

    /// Checks a received webhook; `signatures` may hold several
    /// space-separated `v1,...` entries (key rotation).
    pub fn verify(
        &self,
        message_id: &str,
        timestamp: i64,
        signatures: &str,
        body: &[u8],
        now: i64,
    ) -> Result<(), VerifyError> {
        if (now - timestamp).abs() > TOLERANCE_SECS {
            return Err(VerifyError::StaleTimestamp);
        }
        let expected = self.mac(message_id, timestamp, body);
        let matches = signatures
            .split(' ')
            .filter_map(|entry| entry.strip_prefix("v1,"))
            .filter_map(|encoded| STANDARD.decode(encoded).ok())
            .any(|candidate| bool::from(candidate.ct_eq(&expected)));
        if matches { Ok(()) } else { Err(VerifyError::BadSignature) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn signer() -> WebhookSigner {
        WebhookSigner::new(&SecretString::from(SECRET))
    }

    #[test]
    fn signs_the_specification_example() {
        assert_eq!(signer().sign(ID, TIMESTAMP, BODY), SIGNATURE);
    }

    #[test]
    fn verifies_rotated_signatures_and_refuses_tampering() {
        let signer = signer();
        let header = format!("v1,bm90LXRoZS1zaWduYXR1cmU= {SIGNATURE}");
        assert_eq!(signer.verify(ID, TIMESTAMP, &header, BODY, TIMESTAMP + 10), Ok(()));
        assert_eq!(
            signer.verify(ID, TIMESTAMP, SIGNATURE, br#"{"test": 1}"#, TIMESTAMP),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            signer.verify(ID, TIMESTAMP, SIGNATURE, BODY, TIMESTAMP + TOLERANCE_SECS + 1),
            Err(VerifyError::StaleTimestamp)
        );
    }

    #[test]
    fn free_form_legacy_secrets_are_raw_keys() {
        let legacy = WebhookSigner::new(&SecretString::from("ex-hmac-secret-optional"));
        let signature = legacy.sign(ID, TIMESTAMP, BODY);
        assert_ne!(signature, SIGNATURE);
        assert_eq!(legacy.verify(ID, TIMESTAMP, &signature, BODY, TIMESTAMP), Ok(()));
    }
}
