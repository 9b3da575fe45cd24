//! What operations answer before their handler runs, written into OpenAPI
//! documents: the extractors' refusals of a body, a query or a path that
//! cannot be read (see [`super::configure_extractors`]), the upload budget
//! and the identity check. Each handler documents only its own answers;
//! these are added wherever the operation does not describe that status.

use serde_json::{Value, json};

/// For an operation that takes a body.
const BODY_ANSWERS: [(&str, &str); 5] = [
    ("400", "The body could not be read: malformed JSON or form (`bad_request`)"),
    ("413", "The body is larger than this operation accepts (`payload_too_large`)"),
    ("415", "The body is not of a type this operation accepts (`unsupported_media_type`)"),
    ("422", "The body does not have the documented shape (`validation_failed`)"),
    ("503", "Too many uploads in progress: retry after Retry-After (`service_unavailable`)"),
];

/// For an operation with query parameters.
const QUERY_ANSWERS: [(&str, &str); 1] = [("400", "A query parameter could not be read (`bad_request`)")];

/// For an operation with path parameters.
const PATH_ANSWERS: [(&str, &str); 1] =
    [("404", "A path parameter is not of its type, or names nothing (`not_found`)")];

/// For an operation that needs a caller.
const IDENTITY_ANSWERS: [(&str, &str); 1] =
    [("401", "No credentials, or invalid ones (`missing_credentials`, `invalid_credentials`)")];

/// Adds the answers above to every operation of `document` they apply to;
/// the identity answer to every path but the public ones (`is_public`).
pub fn add_answers_before_handlers(document: &mut Value, is_public: impl Fn(&str) -> bool) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let shared_parameters = item.get("parameters").cloned().unwrap_or(Value::Null);
        let Some(operations) = item.as_object_mut() else { continue };
        for operation in operations.values_mut().filter(|operation| operation.get("responses").is_some()) {
            let takes = |place: &str| {
                [&shared_parameters, operation.get("parameters").unwrap_or(&Value::Null)]
                    .into_iter()
                    .filter_map(Value::as_array)
                    .flatten()
                    .any(|parameter| parameter["in"] == place)
            };
            let mut answers: Vec<(&str, &str)> = Vec::new();
            if operation.get("requestBody").is_some() {
                answers.extend(BODY_ANSWERS);
            }
            if takes("query") {
                answers.extend(QUERY_ANSWERS);
            }
            if takes("path") {
                answers.extend(PATH_ANSWERS);
            }
            if !is_public(path) {
                answers.extend(IDENTITY_ANSWERS);
            }
            add_problem_answers(operation, &answers);
        }
    }
}

/// Describes each `(status, description)` as an RFC 9457 problem in the
/// operation's responses, unless the operation already describes it.
pub fn add_problem_answers(operation: &mut Value, answers: &[(&str, &str)]) {
    let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else { return };
    for (status, description) in answers {
        responses
            .entry(*status)
            .or_insert_with(|| json!({"description": description, "content": {"application/problem+json": {}}}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_gets_the_answers_of_what_it_takes() {
        let mut document = json!({"paths": {
            "/v1/things/{id}": {
                "parameters": [{"in": "path", "name": "id"}],
                "put": {"requestBody": {}, "responses": {"200": {}, "422": {"description": "own"}}},
                "get": {"parameters": [{"in": "query", "name": "page"}], "responses": {"200": {}}},
            },
            "/health": {"get": {"responses": {"200": {}}}},
        }});
        add_answers_before_handlers(&mut document, |path| path == "/health");
        let put = &document["paths"]["/v1/things/{id}"]["put"]["responses"];
        for status in ["400", "401", "404", "413", "415", "503"] {
            assert!(put[status]["content"]["application/problem+json"].is_object(), "{status}: {put}");
        }
        assert_eq!(put["422"]["description"], "own", "what the operation says stays");
        let get = &document["paths"]["/v1/things/{id}"]["get"]["responses"];
        assert!(get["400"].is_object() && get["404"].is_object() && get.get("413").is_none(), "{get}");
        let health = &document["paths"]["/health"]["get"]["responses"];
        assert_eq!(health.as_object().map(|answers| answers.len()), Some(1), "{health}");
    }
}
