//! Untrusted multipart bodies through the form reader every route uses.
//! Boundaries under four characters never get there: common's
//! `refuse_short_multipart_boundaries` answers 400 (actix-multipart
//! panics on them; this target found it).
#![no_main]

use std::sync::LazyLock;

use actix_multipart::Multipart;
use actix_web::test::TestRequest;
use facturx_svc::configuration::Limits;
use facturx_svc::routes::form::Form;
use libfuzzer_sys::fuzz_target;

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().build().expect("a runtime"));

fuzz_target!(|data: &[u8]| {
    let (request, payload) = TestRequest::post()
        .insert_header(("content-type", "multipart/form-data; boundary=XyZ-fuzz"))
        .set_payload(data.to_vec())
        .to_http_parts();
    let multipart = Multipart::new(request.headers(), payload);
    let limits = Limits { max_upload_bytes: 4096 };
    RUNTIME.block_on(async {
        if let Ok(mut form) = Form::read(&request, multipart, &limits).await {
            let _ = form.text("profile");
            let _ = form.require(&["file", "pdf"]);
        }
    });
});
