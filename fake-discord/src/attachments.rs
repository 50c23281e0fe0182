//! Files: multipart uploads (`payload_json` plus `files[n]`) as serenity sends them with a
//! message, an interaction response or a follow-up, kept with their bytes, and the CDN that
//! serves them back at the `url` of each attachment object.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::shared::Shared;
use crate::state::World;

/// Files one message may carry.
pub(crate) const MAX_FILES: usize = 10;

/// What a filename keeps unescaped in an attachment URL.
const FILENAME: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_');

/// One `files[n]` part of a multipart request.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    /// The `n` of `files[n]`: matched with the `id` of an entry in the payload's `attachments`.
    pub(crate) index: String,
    pub(crate) filename: String,
    pub(crate) content_type: Option<String>,
    pub(crate) bytes: Bytes,
}

/// A file the fake keeps: uploaded with a message, or given to a slash command's attachment
/// option (an "ephemeral" attachment, not on any message).
#[derive(Clone, Debug)]
pub(crate) struct AttachmentRec {
    pub(crate) id: u64,
    /// Where the fake serves it: `/attachments/{channel}/{id}/{filename}`, or
    /// `/ephemeral-attachments/{application}/{id}/{filename}`.
    pub(crate) path: String,
    pub(crate) filename: String,
    pub(crate) description: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) bytes: Bytes,
    pub(crate) ephemeral: bool,
}

/// A content type for a filename, as a client guesses it from the extension.
pub(crate) fn guess_content_type(filename: &str) -> Option<String> {
    let extension = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    let mime = match extension.as_str() {
        "txt" | "log" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "rs" | "py" | "js" | "ts" | "go" | "c" | "cpp" | "java" | "sql" | "sh" | "toml" | "yaml" | "yml" => {
            "text/plain; charset=utf-8"
        }
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ => return None,
    };
    Some(mime.to_owned())
}

/// Width and height of a PNG, read from its IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(..8)? != b"\x89PNG\r\n\x1a\n" || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let word = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    Some((word(16)?, word(20)?))
}

/// Where an embed may show a file of its message through `attachment://{filename}`.
const EMBED_URLS: [&str; 4] = [
    "/image/url",
    "/thumbnail/url",
    "/author/icon_url",
    "/footer/icon_url",
];

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The value of one `key=value` parameter of a header: quoted (with backslash escapes), bare,
/// or RFC 8187 `key*=utf-8''percent-encoded`.
fn header_param(header: &str, key: &str) -> Option<String> {
    let mut rest = header;
    while let Some(at) = rest.find(';') {
        rest = rest[at + 1..].trim_start();
        if let Some(value) = rest.strip_prefix(&format!("{key}*=")) {
            let value = value.split(';').next().unwrap_or_default().trim();
            let encoded = value.split_once("''").map_or(value, |(_, v)| v);
            return Some(percent_decode_str(encoded).decode_utf8_lossy().into_owned());
        }
        if let Some(value) = rest.strip_prefix(&format!("{key}=")) {
            if let Some(quoted) = value.strip_prefix('"') {
                let mut out = String::new();
                let mut chars = quoted.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => out.extend(chars.next()),
                        '"' => break,
                        other => out.push(other),
                    }
                }
                return Some(out);
            }
            return Some(value.split(';').next().unwrap_or_default().trim().to_owned());
        }
    }
    None
}

/// Splits a `multipart/form-data` body: the `payload_json` part as JSON (`{}` when there is
/// none) and every `files[n]` part with its bytes.
pub(crate) fn parse_multipart(boundary: &str, body: &[u8]) -> Result<(Value, Vec<Upload>), ApiError> {
    let delimiter = format!("--{}", boundary.trim_matches('"'));
    let delimiter = delimiter.as_bytes();
    let mut payload = json!({});
    let mut uploads = Vec::new();
    let Some(mut at) = find(body, delimiter, 0) else {
        return Ok((payload, uploads));
    };
    loop {
        let after = at + delimiter.len();
        if body.get(after..after + 2) == Some(b"--") || after >= body.len() {
            break;
        }
        let Some(head_end) = find(body, b"\r\n\r\n", after) else {
            break;
        };
        let head = String::from_utf8_lossy(&body[after..head_end]).into_owned();
        let start = head_end + 4;
        let closing = [b"\r\n".as_slice(), delimiter].concat();
        let end = find(body, &closing, start).unwrap_or(body.len());
        let content = &body[start..end];
        let mut disposition = "";
        let mut content_type = None;
        for line in head.split("\r\n") {
            if let Some((name, value)) = line.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-disposition" => disposition = line[name.len() + 1..].trim(),
                    "content-type" => content_type = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
        }
        let name = header_param(disposition, "name").unwrap_or_default();
        if name == "payload_json" {
            payload = serde_json::from_slice(content).map_err(|_| ApiError::bad_json())?;
        } else if let Some(index) = name.strip_prefix("files[").and_then(|n| n.strip_suffix(']')) {
            uploads.push(Upload {
                index: index.to_owned(),
                filename: header_param(disposition, "filename").unwrap_or_else(|| name.clone()),
                content_type,
                bytes: Bytes::copy_from_slice(content),
            });
        }
        if end >= body.len() {
            break;
        }
        at = end + 2;
    }
    Ok((payload, uploads))
}

fn entry_id(entry: &Value) -> Option<String> {
    match &entry["id"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl World {
    /// An attachment object as messages and `resolved.attachments` carry it.
    pub(crate) fn attachment_json(&self, a: &AttachmentRec) -> Value {
        let url = format!("{}{}", self.cdn_base, a.path);
        let mut value = json!({
            "id": a.id.to_string(),
            "filename": a.filename,
            "size": a.bytes.len(),
            "url": url,
            "proxy_url": url,
            "content_type": a.content_type,
        });
        if let Some(description) = &a.description {
            value["description"] = json!(description);
        }
        if let Some((width, height)) = png_size(&a.bytes) {
            value["width"] = json!(width);
            value["height"] = json!(height);
        }
        if a.ephemeral {
            value["ephemeral"] = json!(true);
        }
        value
    }

    /// The ids of a message's files that its embeds show through `attachment://{filename}`.
    pub(crate) fn embedded_attachments(&self, attachments: &[u64], embeds: &[Value]) -> Vec<u64> {
        let shown: Vec<&str> = embeds
            .iter()
            .flat_map(|e| {
                EMBED_URLS
                    .iter()
                    .filter_map(|p| e.pointer(p).and_then(Value::as_str))
            })
            .filter_map(|url| url.strip_prefix("attachment://"))
            .collect();
        attachments
            .iter()
            .copied()
            .filter(|id| {
                self.attachments
                    .get(id)
                    .is_some_and(|a| shown.contains(&a.filename.as_str()))
            })
            .collect()
    }

    /// A message's embeds and attachment objects as Discord renders them: an embed URL
    /// `attachment://{filename}` naming one of the message's files becomes that file's URL
    /// (with `proxy_url`, and a PNG's `width` and `height`), and that file is left out of
    /// `attachments` — until an edit drops it from the embeds.
    pub(crate) fn rendered_files(&self, attachments: &[u64], embeds: &[Value]) -> (Vec<Value>, Vec<Value>) {
        let embedded = self.embedded_attachments(attachments, embeds);
        let by_name = |name: &str| {
            embedded
                .iter()
                .filter_map(|id| self.attachments.get(id))
                .find(|a| a.filename == name)
        };
        let embeds = embeds
            .iter()
            .map(|embed| {
                let mut embed = embed.clone();
                for pointer in EMBED_URLS {
                    let Some(name) = embed
                        .pointer(pointer)
                        .and_then(Value::as_str)
                        .and_then(|u| u.strip_prefix("attachment://"))
                        .map(str::to_owned)
                    else {
                        continue;
                    };
                    let Some(file) = by_name(&name) else { continue };
                    let url = format!("{}{}", self.cdn_base, file.path);
                    let (object, field) = pointer[1..].split_once('/').expect("two-level pointer");
                    let target = &mut embed[object];
                    target[field] = json!(url);
                    let proxy = if field == "url" {
                        "proxy_url"
                    } else {
                        "proxy_icon_url"
                    };
                    target[proxy] = json!(url);
                    if field == "url"
                        && let Some((width, height)) = png_size(&file.bytes)
                    {
                        target["width"] = json!(width);
                        target["height"] = json!(height);
                    }
                }
                embed
            })
            .collect();
        let listed = attachments
            .iter()
            .filter(|id| !embedded.contains(id))
            .filter_map(|id| self.attachments.get(id))
            .map(|a| self.attachment_json(a))
            .collect();
        (embeds, listed)
    }

    /// Discord's limits on the files of one message: at most 10 (400, 30015) and at most the
    /// upload limit in all (413, 40005). `kept` counts the files an edit keeps.
    pub(crate) fn check_uploads(&self, uploads: &[Upload], kept: usize) -> Result<(), ApiError> {
        if uploads.len() + kept > MAX_FILES {
            return Err(ApiError::too_many_attachments());
        }
        let total: usize = uploads.iter().map(|u| u.bytes.len()).sum();
        if total > self.upload_limit {
            return Err(ApiError::entity_too_large());
        }
        Ok(())
    }

    /// Keeps each upload as an attachment of a message in `channel`, named and described by
    /// the payload's `attachments` entry of the same id when there is one; returns their ids.
    pub(crate) fn store_uploads(&mut self, channel: u64, body: &Value, uploads: &[Upload]) -> Vec<u64> {
        let entries = body["attachments"].as_array().cloned().unwrap_or_default();
        let mut ids = Vec::new();
        for upload in uploads {
            let entry = entries
                .iter()
                .find(|e| entry_id(e).as_deref() == Some(upload.index.as_str()));
            let filename = entry
                .and_then(|e| e["filename"].as_str())
                .unwrap_or(&upload.filename)
                .to_owned();
            let description = entry.and_then(|e| e["description"].as_str()).map(str::to_owned);
            let content_type = upload
                .content_type
                .clone()
                .filter(|c| c != "application/octet-stream")
                .or_else(|| guess_content_type(&filename))
                .or_else(|| upload.content_type.clone());
            let id = self.ids.next();
            let path = format!(
                "/attachments/{channel}/{id}/{}",
                utf8_percent_encode(&filename, FILENAME)
            );
            self.attachments.insert(
                id,
                AttachmentRec {
                    id,
                    path,
                    filename,
                    description,
                    content_type,
                    bytes: upload.bytes.clone(),
                    ephemeral: false,
                },
            );
            ids.push(id);
        }
        ids
    }

    /// A file a member picked for a slash command's attachment option: served from
    /// `/ephemeral-attachments/{application}/{id}/{filename}` and on no message.
    pub(crate) fn store_ephemeral(&mut self, filename: &str, bytes: Bytes) -> u64 {
        let id = self.ids.next();
        let path = format!(
            "/ephemeral-attachments/{}/{id}/{}",
            self.app_id,
            utf8_percent_encode(filename, FILENAME)
        );
        self.attachments.insert(
            id,
            AttachmentRec {
                id,
                path,
                filename: filename.to_owned(),
                description: None,
                content_type: guess_content_type(filename),
                bytes,
                ephemeral: true,
            },
        );
        id
    }

    /// The attachments an edit leaves on a message: with an `attachments` array only the
    /// existing ones it lists by id (the others are removed), without one all of them.
    pub(crate) fn kept_attachments(&self, message: u64, body: &Value) -> Vec<u64> {
        let existing = self
            .messages
            .get(&message)
            .map(|m| m.attachments.clone())
            .unwrap_or_default();
        match body["attachments"].as_array() {
            Some(listed) => existing
                .into_iter()
                .filter(|id| listed.iter().any(|e| entry_id(e) == Some(id.to_string())))
                .collect(),
            None => existing,
        }
    }
}

/// `GET /attachments/...` and `GET /ephemeral-attachments/...`: the bytes of a file, as
/// Discord's CDN serves them (no authorization; 404 for anything unknown). A
/// [`crate::Faults::fail_path`] matching the path answers its status instead.
pub(crate) async fn cdn(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let status_of = |status: StatusCode, body: &'static str| {
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        response
    };
    if let Some(status) = shared.faults.failing_status(&path) {
        return status_of(
            StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            "",
        );
    }
    let found = shared.read(|w| {
        let id = path.split('/').nth(3).and_then(|s| s.parse::<u64>().ok())?;
        w.attachments
            .get(&id)
            .filter(|a| a.path == path)
            .map(|a| (a.bytes.clone(), a.content_type.clone()))
    });
    let Some((bytes, content_type)) = found else {
        return status_of(StatusCode::NOT_FOUND, "This content is no longer available.");
    };
    let mut response = Response::new(Body::from(bytes));
    let content_type = content_type.unwrap_or_else(|| "application/octet-stream".to_owned());
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert("content-type", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_body_splits_into_the_payload_and_files_with_their_bytes_intact() {
        let mut body = Vec::new();
        body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a \\\"b\\\".bin\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(&[0, 159, 146, 150, b'\r', b'\n', b'-', b'-']);
        body.extend_from_slice(b"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n");
        body.extend_from_slice(br#"{"content":"hi","attachments":[{"id":0,"filename":"x.bin"}]}"#);
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        let (payload, uploads) = parse_multipart("XyZ", &body).unwrap();
        assert_eq!(payload["content"], "hi");
        assert_eq!(uploads.len(), 1);
        assert_eq!(uploads[0].index, "0");
        assert_eq!(uploads[0].filename, "a \"b\".bin");
        assert_eq!(
            uploads[0].content_type.as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(
            &uploads[0].bytes[..],
            &[0, 159, 146, 150, b'\r', b'\n', b'-', b'-']
        );
    }

    #[test]
    fn an_encoded_filename_parameter_is_decoded() {
        let header = "form-data; name=\"files[1]\"; filename*=utf-8''r%C3%A9sum%C3%A9.txt";
        assert_eq!(header_param(header, "filename").as_deref(), Some("résumé.txt"));
        assert_eq!(header_param(header, "name").as_deref(), Some("files[1]"));
    }
}
