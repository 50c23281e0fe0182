//! Discord's documented limits on what a bot may send.

use std::collections::HashSet;

use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// Allowed `auto_archive_duration` values, in minutes.
pub(crate) const ARCHIVE_DURATIONS: [u64; 4] = [60, 1440, 4320, 10080];

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

fn too_long(errors: &mut Vec<FieldError>, path: &str, value: &Value, max: usize) {
    if chars(value) > max {
        errors.push(FieldError::new(
            path,
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {max} or fewer in length."),
        ));
    }
}

fn length_between(errors: &mut Vec<FieldError>, path: &str, value: &Value, min: usize, max: usize) {
    let n = chars(value);
    if !(min..=max).contains(&n) {
        errors.push(FieldError::new(
            path,
            "BASE_TYPE_BAD_LENGTH",
            format!("Must be between {min} and {max} in length."),
        ));
    }
}

fn finish(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_form(&errors))
    }
}

/// Whether a create-message body has anything to show.
pub(crate) fn has_payload(body: &Value) -> bool {
    let non_empty = |key: &str| body[key].as_array().is_some_and(|a| !a.is_empty());
    chars(&body["content"]) > 0
        || non_empty("embeds")
        || non_empty("components")
        || non_empty("sticker_ids")
        || non_empty("attachments")
        || body.get("poll").is_some_and(|p| !p.is_null())
}

/// Content, embed, component and nonce limits of a message body (create or edit).
pub(crate) fn message(body: &Value) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if !body.is_object() {
        return Err(ApiError::bad_json());
    }
    too_long(&mut errors, "content", &body["content"], 2000);
    if let Some(nonce) = body.get("nonce") {
        match nonce {
            Value::String(s) if s.chars().count() > 25 => errors.push(FieldError::new(
                "nonce",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            )),
            Value::String(_) | Value::Number(_) | Value::Null => {}
            _ => errors.push(FieldError::new("nonce", "NONCE_TYPE_INVALID", "Invalid nonce")),
        }
    }
    if let Some(embeds) = body["embeds"].as_array() {
        embeds_limits(&mut errors, embeds);
    }
    if let Some(rows) = body["components"].as_array() {
        components(&mut errors, rows, "components");
    }
    finish(errors)
}

fn embeds_limits(errors: &mut Vec<FieldError>, embeds: &[Value]) {
    if embeds.len() > 10 {
        errors.push(FieldError::new(
            "embeds",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 10 or fewer in length.",
        ));
    }
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        let at = |field: &str| format!("embeds.{i}.{field}");
        too_long(errors, &at("title"), &embed["title"], 256);
        too_long(errors, &at("description"), &embed["description"], 4096);
        too_long(errors, &at("footer.text"), &embed["footer"]["text"], 2048);
        too_long(errors, &at("author.name"), &embed["author"]["name"], 256);
        total += chars(&embed["title"])
            + chars(&embed["description"])
            + chars(&embed["footer"]["text"])
            + chars(&embed["author"]["name"]);
        let fields = embed["fields"].as_array().map(Vec::as_slice).unwrap_or_default();
        if fields.len() > 25 {
            errors.push(FieldError::new(
                at("fields"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            ));
        }
        for (j, field) in fields.iter().enumerate() {
            length_between(errors, &at(&format!("fields.{j}.name")), &field["name"], 1, 256);
            length_between(
                errors,
                &at(&format!("fields.{j}.value")),
                &field["value"],
                1,
                1024,
            );
            total += chars(&field["name"]) + chars(&field["value"]);
        }
    }
    if total > 6000 {
        errors.push(FieldError::new(
            "embeds",
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000",
        ));
    }
}

/// A message's action rows of buttons and select menus (text inputs belong in modals).
fn components(errors: &mut Vec<FieldError>, rows: &[Value], path: &str) {
    if rows.len() > 5 {
        errors.push(FieldError::new(
            path,
            "BASE_TYPE_MAX_LENGTH",
            "Must be 5 or fewer in length.",
        ));
    }
    let mut seen = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let row_path = format!("{path}.{i}");
        if row["type"].as_u64() != Some(1) {
            errors.push(FieldError::new(
                format!("{row_path}.type"),
                "UNION_TYPE_CHOICES",
                "Value of field \"type\" must be one of (1,).",
            ));
            continue;
        }
        let children = row["components"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if children.is_empty() || children.len() > 5 {
            errors.push(FieldError::new(
                format!("{row_path}.components"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 5 in length.",
            ));
        }
        for (j, child) in children.iter().enumerate() {
            let at = format!("{row_path}.components.{j}");
            let kind = child["type"].as_u64().unwrap_or(0);
            let is_link = kind == 2 && child["style"].as_u64() == Some(5);
            let is_premium = kind == 2 && child["style"].as_u64() == Some(6);
            if !is_link && !is_premium {
                length_between(errors, &format!("{at}.custom_id"), &child["custom_id"], 1, 100);
                if let Some(id) = child["custom_id"].as_str()
                    && !seen.insert(id.to_owned())
                {
                    errors.push(FieldError::new(
                        format!("{at}.custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    ));
                }
            }
            match kind {
                2 => too_long(errors, &format!("{at}.label"), &child["label"], 80),
                3 | 5..=8 => {
                    too_long(errors, &format!("{at}.placeholder"), &child["placeholder"], 150);
                    if child["options"].as_array().is_some_and(|o| o.len() > 25) {
                        errors.push(FieldError::new(
                            format!("{at}.options"),
                            "BASE_TYPE_MAX_LENGTH",
                            "Must be 25 or fewer in length.",
                        ));
                    }
                }
                _ => errors.push(FieldError::new(
                    format!("{at}.type"),
                    "UNION_TYPE_CHOICES",
                    "Invalid component type",
                )),
            }
        }
    }
}

fn number_between(errors: &mut Vec<FieldError>, path: &str, value: &Value, min: u64, max: u64) {
    if value.is_null() {
        return;
    }
    match value.as_u64() {
        Some(n) if n < min => errors.push(FieldError::new(
            path,
            "NUMBER_TYPE_MIN",
            format!("Int value should be greater than or equal to {min}."),
        )),
        Some(n) if n > max => errors.push(FieldError::new(
            path,
            "NUMBER_TYPE_MAX",
            format!("Int value should be less than or equal to {max}."),
        )),
        Some(_) => {}
        None => errors.push(FieldError::new(path, "NUMBER_TYPE_COERCE", "Value is not int.")),
    }
}

/// A modal callback's `data`: `custom_id` 1–100, `title` 1–45, and 1–5 action rows each
/// holding exactly one text input (type 4): `custom_id` 1–100 (unique), `style` 1 (short) or
/// 2 (paragraph), `label` 1–45, `min_length` 0–4000, `max_length` 1–4000, `value` up to 4000
/// and `placeholder` up to 100 characters.
pub(crate) fn modal(data: &Value) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if !data.is_object() {
        return Err(ApiError::bad_json());
    }
    length_between(&mut errors, "data.title", &data["title"], 1, 45);
    length_between(&mut errors, "data.custom_id", &data["custom_id"], 1, 100);
    let rows = data["components"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if rows.is_empty() || rows.len() > 5 {
        errors.push(FieldError::new(
            "data.components",
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 5 in length.",
        ));
    }
    let mut seen = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let row_path = format!("data.components.{i}");
        if row["type"].as_u64() != Some(1) {
            errors.push(FieldError::new(
                format!("{row_path}.type"),
                "UNION_TYPE_CHOICES",
                "Value of field \"type\" must be one of (1,).",
            ));
            continue;
        }
        let children = row["components"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if children.len() != 1 {
            errors.push(FieldError::new(
                format!("{row_path}.components"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 1 in length.",
            ));
        }
        for (j, input) in children.iter().enumerate() {
            let at = format!("{row_path}.components.{j}");
            if input["type"].as_u64() != Some(4) {
                errors.push(FieldError::new(
                    format!("{at}.type"),
                    "UNION_TYPE_CHOICES",
                    "Value of field \"type\" must be one of (4,).",
                ));
                continue;
            }
            length_between(
                &mut errors,
                &format!("{at}.custom_id"),
                &input["custom_id"],
                1,
                100,
            );
            if let Some(id) = input["custom_id"].as_str()
                && !seen.insert(id.to_owned())
            {
                errors.push(FieldError::new(
                    format!("{at}.custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                ));
            }
            if !matches!(input["style"].as_u64(), Some(1 | 2)) {
                errors.push(FieldError::new(
                    format!("{at}.style"),
                    "BASE_TYPE_CHOICES",
                    "Value must be one of (1, 2).",
                ));
            }
            length_between(&mut errors, &format!("{at}.label"), &input["label"], 1, 45);
            number_between(
                &mut errors,
                &format!("{at}.min_length"),
                &input["min_length"],
                0,
                4000,
            );
            number_between(
                &mut errors,
                &format!("{at}.max_length"),
                &input["max_length"],
                1,
                4000,
            );
            too_long(&mut errors, &format!("{at}.value"), &input["value"], 4000);
            too_long(
                &mut errors,
                &format!("{at}.placeholder"),
                &input["placeholder"],
                100,
            );
        }
    }
    finish(errors)
}

/// An autocomplete callback's `data.choices`.
pub(crate) fn choices(data: &Value) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let choices = data["choices"].as_array().map(Vec::as_slice).unwrap_or_default();
    if choices.len() > 25 {
        errors.push(FieldError::new(
            "data.choices",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        ));
    }
    for (i, choice) in choices.iter().enumerate() {
        length_between(
            &mut errors,
            &format!("data.choices.{i}.name"),
            &choice["name"],
            1,
            100,
        );
        if choice["value"].is_string() {
            too_long(
                &mut errors,
                &format!("data.choices.{i}.value"),
                &choice["value"],
                100,
            );
        }
    }
    finish(errors)
}

/// Thread name and `auto_archive_duration`.
pub(crate) fn thread(body: &Value, name_required: bool) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if name_required || body.get("name").is_some() {
        length_between(&mut errors, "name", &body["name"], 1, 100);
    }
    if let Some(duration) = body.get("auto_archive_duration").filter(|v| !v.is_null())
        && !duration.as_u64().is_some_and(|d| ARCHIVE_DURATIONS.contains(&d))
    {
        errors.push(FieldError::new(
            "auto_archive_duration",
            "BASE_TYPE_CHOICES",
            "Value must be one of {60, 1440, 4320, 10080}.",
        ));
    }
    finish(errors)
}

/// An application command definition.
pub(crate) fn command(body: &Value, path: &str) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let name = body["name"].as_str().unwrap_or_default();
    let name_ok = (1..=32).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_lowercase() || c.is_numeric() || c == '-' || c == '_');
    let kind = body["type"].as_u64().unwrap_or(1);
    if !name_ok && kind == 1 {
        errors.push(FieldError::new(
            format!("{path}name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            "Command name is invalid",
        ));
    }
    if kind == 1 {
        length_between(
            &mut errors,
            &format!("{path}description"),
            &body["description"],
            1,
            100,
        );
    }
    if body["options"].as_array().is_some_and(|o| o.len() > 25) {
        errors.push(FieldError::new(
            format!("{path}options"),
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        ));
    }
    finish(errors)
}
