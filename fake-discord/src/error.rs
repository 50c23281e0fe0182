//! Discord's JSON error responses: `{"code": N, "message": "...", "errors": {...}}`.

use serde_json::{Map, Value, json};

/// An error as Discord answers it: HTTP status, JSON error code and message.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Discord's JSON error code (0 for generic HTTP errors).
    pub code: u32,
    /// Discord's message.
    pub message: String,
    /// Nested field errors of a 50035 "Invalid Form Body".
    pub errors: Option<Value>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// One failed field check: dotted path, Discord's error code string and message.
#[derive(Clone, Debug)]
pub(crate) struct FieldError {
    pub(crate) path: String,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl FieldError {
    pub(crate) fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            code,
            message: message.into(),
        }
    }
}

impl ApiError {
    fn new(status: u16, code: u32, message: &str) -> Self {
        Self {
            status,
            code,
            message: message.to_owned(),
            errors: None,
        }
    }

    /// The JSON body Discord sends.
    pub fn body(&self) -> Value {
        let mut body = json!({ "code": self.code, "message": self.message });
        if let Some(errors) = &self.errors {
            body["errors"] = errors.clone();
        }
        body
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(401, 0, "401: Unauthorized")
    }
    pub(crate) fn not_found() -> Self {
        Self::new(404, 0, "404: Not Found")
    }
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(405, 0, "405: Method Not Allowed")
    }
    pub(crate) fn unknown_channel() -> Self {
        Self::new(404, 10003, "Unknown Channel")
    }
    pub(crate) fn unknown_guild() -> Self {
        Self::new(404, 10004, "Unknown Guild")
    }
    pub(crate) fn unknown_member() -> Self {
        Self::new(404, 10007, "Unknown Member")
    }
    pub(crate) fn unknown_message() -> Self {
        Self::new(404, 10008, "Unknown Message")
    }
    pub(crate) fn unknown_role() -> Self {
        Self::new(404, 10011, "Unknown Role")
    }
    pub(crate) fn unknown_user() -> Self {
        Self::new(404, 10013, "Unknown User")
    }
    pub(crate) fn unknown_emoji() -> Self {
        Self::new(400, 10014, "Unknown Emoji")
    }
    pub(crate) fn unknown_webhook() -> Self {
        Self::new(404, 10015, "Unknown Webhook")
    }
    pub(crate) fn unknown_interaction() -> Self {
        Self::new(404, 10062, "Unknown interaction")
    }
    pub(crate) fn unknown_command() -> Self {
        Self::new(404, 10063, "Unknown application command")
    }
    pub(crate) fn too_many_attachments() -> Self {
        Self::new(
            400,
            30015,
            "Maximum number of attachments in a message reached (10)",
        )
    }
    pub(crate) fn entity_too_large() -> Self {
        Self::new(413, 40005, "Request entity too large")
    }
    pub(crate) fn already_acknowledged() -> Self {
        Self::new(400, 40060, "Interaction has already been acknowledged.")
    }
    pub(crate) fn missing_access() -> Self {
        Self::new(403, 50001, "Missing Access")
    }
    pub(crate) fn cannot_edit_others() -> Self {
        Self::new(403, 50005, "Cannot edit a message authored by another user")
    }
    pub(crate) fn empty_message() -> Self {
        Self::new(400, 50006, "Cannot send an empty message")
    }
    pub(crate) fn missing_permissions() -> Self {
        Self::new(403, 50013, "Missing Permissions")
    }
    pub(crate) fn wrong_channel_type() -> Self {
        Self::new(400, 50024, "Cannot execute action on this channel type")
    }
    pub(crate) fn invalid_webhook_token() -> Self {
        Self::new(401, 50027, "Invalid Webhook Token")
    }
    pub(crate) fn thread_archived() -> Self {
        Self::new(400, 50083, "Thread is archived")
    }
    pub(crate) fn thread_already_created() -> Self {
        Self::new(400, 160004, "A thread has already been created for this message")
    }
    pub(crate) fn bad_json() -> Self {
        Self::new(400, 50109, "The request body contains invalid JSON.")
    }

    /// 50035 Invalid Form Body with Discord's nested `errors` object.
    pub(crate) fn invalid_form(errors: &[FieldError]) -> Self {
        let mut root = Map::new();
        for error in errors {
            let mut node = &mut root;
            for part in error.path.split('.').filter(|p| !p.is_empty()) {
                node = node
                    .entry(part.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("error tree nodes are objects");
            }
            let list = node.entry("_errors").or_insert_with(|| Value::Array(Vec::new()));
            if let Some(list) = list.as_array_mut() {
                list.push(json!({ "code": error.code, "message": error.message }));
            }
        }
        Self {
            status: 400,
            code: 50035,
            message: "Invalid Form Body".to_owned(),
            errors: Some(Value::Object(root)),
        }
    }
}
