//! REST under `/api/v10`: authentication, rate limits, faults, records, then the route.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::attachments::Upload;
use crate::error::ApiError;
use crate::ids::unix_seconds_f64;
use crate::limits::{BucketHeaders, RestFault, Verdict};
use crate::server::ConnectionKill;
use crate::shared::Shared;
use crate::state::{Emoji, FLAG_EPHEMERAL, World};

const BODY_LIMIT: usize = 32 * 1024 * 1024;

type Outcome = Result<(u16, Value), ApiError>;

struct Answer {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

impl Answer {
    fn error(error: &ApiError) -> Self {
        Self {
            status: error.status,
            body: error.body(),
            headers: Vec::new(),
        }
    }
}

/// The axum fallback: every request that is not the gateway lands here.
pub(crate) async fn api(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let headers = request.headers().clone();
    let kill = request.extensions().get::<ConnectionKill>().cloned();
    // Room for a request at the upload limit; a bigger body is refused as Discord does.
    let limit = shared
        .read(|w| w.upload_limit)
        .saturating_add(1024 * 1024)
        .max(BODY_LIMIT);
    let body = match axum::body::to_bytes(request.into_body(), limit).await {
        Ok(bytes) => parse_body(&headers, &bytes),
        Err(_) => Err(ApiError::entity_too_large()),
    };
    let (body, uploads) = match body {
        Ok((body, uploads)) => (Ok(body), uploads),
        Err(e) => (Err(e), Vec::new()),
    };
    let held = shared.faults.admit(&shared.recorder, &path, || {
        let body = body.as_ref().cloned().unwrap_or(Value::Null);
        shared
            .recorder
            .rest_record(method.as_str(), &path, &query, body, 0, Value::Null)
    });
    if let Some(release) = held {
        tracing::debug!(%method, path, "holding the request: the client is considered crashed");
        shared.notify();
        // Ended by `release_held` (or a dropped sender): never applied, never answered.
        let _ = release.await;
        if let Some(kill) = kill {
            kill.fire();
            return std::future::pending().await;
        }
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return response;
    }
    let answer = match body {
        Ok(body) => {
            let answer = handle(&shared, &method, &path, &query, &headers, &body, &uploads).await;
            shared.recorder.rest(
                method.as_str(),
                &path,
                &query,
                body,
                answer.status,
                answer.body.clone(),
            );
            answer
        }
        Err(e) => {
            let answer = Answer::error(&e);
            shared.recorder.rest(
                method.as_str(),
                &path,
                &query,
                Value::Null,
                answer.status,
                answer.body.clone(),
            );
            answer
        }
    };
    let mut response = if answer.status == 204 || answer.body.is_null() {
        Response::new(Body::empty())
    } else {
        let mut r = Response::new(Body::from(answer.body.to_string()));
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
        r
    };
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in answer.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// JSON, or a multipart body's `payload_json` part and its `files[n]` parts.
fn parse_body(headers: &HeaderMap, bytes: &Bytes) -> Result<(Value, Vec<Upload>), ApiError> {
    if bytes.is_empty() {
        return Ok((Value::Null, Vec::new()));
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = content_type.split("boundary=").nth(1) {
        let boundary = boundary.split(';').next().unwrap_or_default().trim();
        return crate::attachments::parse_multipart(boundary, bytes);
    }
    serde_json::from_slice(bytes)
        .map(|body| (body, Vec::new()))
        .map_err(|_| ApiError::bad_json())
}

fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

fn parse_query(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(&v.replace('+', " ")))
        })
        .collect()
}

/// The route template Discord buckets by, and its major parameter.
fn template(method: &Method, segments: &[String]) -> (String, String) {
    let mut out = String::new();
    let mut major = String::new();
    let mut previous = "";
    let mut webhook_depth = 0;
    for segment in segments {
        let s = segment.as_str();
        let placeholder = match previous {
            "channels" => Some("{channel_id}"),
            "guilds" => Some("{guild_id}"),
            "messages" if s != "@original" => Some("{message_id}"),
            "reactions" => Some("{emoji}"),
            "webhooks" => Some("{webhook_id}"),
            "interactions" => Some("{interaction_id}"),
            "applications" if s != "@me" => Some("{application_id}"),
            "commands" => Some("{command_id}"),
            "members" | "thread-members" | "users" if s != "@me" => Some("{user_id}"),
            "roles" => Some("{role_id}"),
            _ if previous.starts_with('{') && previous.contains("emoji") && s != "@me" => Some("{user_id}"),
            _ => None,
        };
        let placeholder = if webhook_depth == 1 || previous == "{interaction_id}" {
            Some("{token}")
        } else {
            placeholder
        };
        if major.is_empty() && matches!(previous, "channels" | "guilds") {
            major = s.to_owned();
        }
        // Interaction callbacks are limited per interaction (its id and token), not shared.
        if previous == "interactions" {
            major = s.to_owned();
        } else if previous == "{interaction_id}" {
            major = format!("{major}/{s}");
        }
        if previous == "webhooks" {
            major = s.to_owned();
            webhook_depth = 1;
        } else if webhook_depth == 1 {
            major = format!("{major}/{s}");
            webhook_depth = 2;
        }
        out.push('/');
        out.push_str(placeholder.unwrap_or(s));
        previous = placeholder.unwrap_or(s);
    }
    (format!("{method} {out}"), major)
}

fn bucket_headers(h: &BucketHeaders) -> Vec<(&'static str, String)> {
    vec![
        ("x-ratelimit-limit", h.limit.to_string()),
        ("x-ratelimit-remaining", h.remaining.to_string()),
        (
            "x-ratelimit-reset",
            format!("{:.3}", unix_seconds_f64() + h.reset_after),
        ),
        ("x-ratelimit-reset-after", format!("{:.3}", h.reset_after)),
        ("x-ratelimit-bucket", h.bucket.clone()),
    ]
}

fn too_many(retry_after: f64, global: bool, scope: &str, bucket: Option<&BucketHeaders>) -> Answer {
    let retry_after = (retry_after * 1000.0).ceil() / 1000.0;
    let mut headers = bucket.map(bucket_headers).unwrap_or_default();
    if let Some(h) = headers.iter_mut().find(|(n, _)| *n == "x-ratelimit-remaining") {
        h.1 = "0".to_owned();
    }
    headers.push(("retry-after", format!("{retry_after:.3}")));
    headers.push(("x-ratelimit-scope", scope.to_owned()));
    if global {
        headers.push(("x-ratelimit-global", "true".to_owned()));
    }
    Answer {
        status: 429,
        body: json!({
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": global,
            "code": if global { 0 } else { 20028 },
        }),
        headers,
    }
}

async fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &Value,
    uploads: &[Upload],
) -> Answer {
    let delay = shared.faults.delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let Some(rest) = path.strip_prefix("/api/v10") else {
        return Answer::error(&ApiError::not_found());
    };
    let segments: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(decode).collect();
    let first = segments.first().map(String::as_str).unwrap_or_default();
    let is_gateway = first == "gateway";
    let interaction_route = first == "interactions" || first == "webhooks";
    if !is_gateway {
        match shared.faults.draw_rest(path) {
            RestFault::None => {}
            RestFault::ServerError(status) => {
                return Answer {
                    status,
                    body: json!({ "message": format!("{status}: Server Error"), "code": 0 }),
                    headers: Vec::new(),
                };
            }
            RestFault::TooManyRequests(retry_after) => {
                return too_many(retry_after, false, "shared", None);
            }
        }
    }
    if !is_gateway && !interaction_route {
        let token = shared.read(|w| w.token.clone());
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
        if auth != Some(format!("Bot {token}").as_str()) {
            return Answer::error(&ApiError::unauthorized());
        }
    }
    let (route, major) = template(method, &segments);
    let verdict = shared
        .limiter
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .check(&route, &major, interaction_route);
    let bucket = match verdict {
        Verdict::Limited {
            headers,
            retry_after,
            global,
        } => {
            let scope = if global { "global" } else { "user" };
            return too_many(retry_after, global, scope, headers.as_ref());
        }
        Verdict::Allowed(bucket) => bucket,
    };
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let query = parse_query(query);
    let outcome =
        shared.with_world(|w| route_request(w, &shared.ws_url, method, &segs, &query, body, uploads));
    let mut answer = match outcome {
        Ok((status, body)) => Answer {
            status,
            body,
            headers: Vec::new(),
        },
        Err(e) => Answer::error(&e),
    };
    if let Some(h) = &bucket {
        answer.headers.extend(bucket_headers(h));
    }
    answer
}

fn id(segment: &str) -> u64 {
    segment.parse().unwrap_or(0)
}

fn ok(value: Value) -> Outcome {
    Ok((200, value))
}

fn no_content() -> Outcome {
    Ok((204, Value::Null))
}

fn route_request(
    w: &mut World,
    ws_url: &str,
    method: &Method,
    segs: &[&str],
    query: &HashMap<String, String>,
    body: &Value,
    uploads: &[Upload],
) -> Outcome {
    let bot = w.bot_id;
    let num = |key: &str| query.get(key).and_then(|v| v.parse::<u64>().ok());
    match (method.as_str(), segs) {
        ("GET", ["gateway"]) => ok(json!({ "url": ws_url })),
        ("GET", ["gateway", "bot"]) => ok(json!({
            "url": ws_url,
            "shards": w.shards,
            "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1,
            },
        })),
        ("GET", ["users", "@me"]) => ok(w.current_user_json()),
        ("GET", ["users", user]) => {
            let user = id(user);
            if w.users.contains_key(&user) {
                ok(w.user_json(user))
            } else {
                Err(ApiError::unknown_user())
            }
        }
        ("GET", ["oauth2", "applications", "@me"] | ["applications", "@me"]) => ok(w.application_json()),
        (m, ["applications", app, "commands"]) => commands(w, m, id(app), None, body),
        (m, ["applications", app, "guilds", guild, "commands"]) => {
            commands(w, m, id(app), Some(id(guild)), body)
        }
        (m, ["applications", app, "commands", cmd]) => command(w, m, id(app), None, id(cmd), body),
        (m, ["applications", app, "guilds", guild, "commands", cmd]) => {
            command(w, m, id(app), Some(id(guild)), id(cmd), body)
        }
        ("GET", ["channels", channel]) => {
            let channel = id(channel);
            w.channel(channel)?;
            w.require(bot, channel, crate::permissions::Permissions::NONE)?;
            ok(w.channel_json(&w.channels[&channel]))
        }
        ("PATCH", ["channels", channel]) => {
            let channel = id(channel);
            w.edit_channel(bot, channel, body)?;
            ok(w.channel_json(&w.channels[&channel]))
        }
        ("GET", ["channels", channel, "messages"]) => list_messages(
            w,
            id(channel),
            num("limit"),
            num("before"),
            num("after"),
            num("around"),
        ),
        ("POST", ["channels", channel, "messages"]) => {
            let (message, _) = w.create_message_with(bot, id(channel), body, uploads)?;
            ok(w.message_for_bot(&w.messages[&message]))
        }
        ("GET", ["channels", channel, "messages", message]) => {
            let channel = id(channel);
            let msg = w.message_in(channel, id(message))?;
            w.require(
                bot,
                channel,
                crate::permissions::Permissions::READ_MESSAGE_HISTORY,
            )
            .map_err(|_| ApiError::missing_access())?;
            ok(w.message_for_bot(msg))
        }
        ("PATCH", ["channels", channel, "messages", message]) => {
            w.edit_message(bot, id(channel), id(message), body, uploads)?;
            ok(w.message_for_bot(&w.messages[&id(message)]))
        }
        ("DELETE", ["channels", channel, "messages", message]) => {
            w.delete_message(bot, id(channel), id(message))?;
            no_content()
        }
        ("POST", ["channels", channel, "messages", message, "threads"]) => {
            let thread = w.start_thread_from_message(bot, id(channel), id(message), body)?;
            Ok((201, w.channel_json(&w.channels[&thread])))
        }
        ("POST", ["channels", channel, "threads"]) => {
            let thread = w.start_thread(bot, id(channel), body)?;
            Ok((201, w.channel_json(&w.channels[&thread])))
        }
        (
            "PUT",
            [
                "channels",
                channel,
                "messages",
                message,
                "reactions",
                emoji,
                "@me",
            ],
        ) => {
            w.add_reaction(bot, id(channel), id(message), &Emoji::parse(emoji))?;
            no_content()
        }
        ("DELETE", ["channels", channel, "messages", message, "reactions", emoji, user]) => {
            let target = if *user == "@me" { bot } else { id(user) };
            w.remove_reaction(bot, target, id(channel), id(message), &Emoji::parse(emoji))?;
            no_content()
        }
        ("GET", ["channels", channel, "messages", message, "reactions", emoji]) => {
            let users = w.reaction_users(
                bot,
                id(channel),
                id(message),
                &Emoji::parse(emoji),
                num("after").unwrap_or(0),
                num("limit"),
            )?;
            ok(Value::Array(users))
        }
        ("DELETE", ["channels", channel, "messages", message, "reactions"]) => {
            w.clear_reactions(bot, id(channel), id(message))?;
            no_content()
        }
        ("POST", ["channels", channel, "typing"]) => {
            w.channel(id(channel))?;
            no_content()
        }
        ("PUT" | "DELETE", ["channels", channel, "thread-members", "@me"]) => {
            let channel = id(channel);
            let c = w.channel(channel)?;
            if !c.is_thread() {
                return Err(ApiError::wrong_channel_type());
            }
            // Nobody joins a private thread they cannot see (not invited, no MANAGE_THREADS).
            if method == Method::PUT {
                w.require(bot, channel, crate::permissions::Permissions::NONE)?;
            }
            let now = w.ids.now_iso();
            let c = w.channels.get_mut(&channel).expect("checked above");
            if method == Method::PUT {
                c.thread_members.entry(bot).or_insert(now);
            } else {
                c.thread_members.remove(&bot);
            }
            no_content()
        }
        ("GET", ["channels", channel, "thread-members"]) => {
            let with_member = query.get("with_member").is_some_and(|v| v == "true");
            let after = num("after").unwrap_or(0);
            let members = w.list_thread_members(bot, id(channel), with_member, after, num("limit"))?;
            ok(Value::Array(members))
        }
        ("GET", ["channels", channel, "thread-members", user]) => {
            let user = if *user == "@me" { bot } else { id(user) };
            let with_member = query.get("with_member").is_some_and(|v| v == "true");
            ok(w.get_thread_member(bot, id(channel), user, with_member)?)
        }
        ("PUT", ["channels", channel, "thread-members", user]) => {
            w.add_thread_member(bot, id(channel), id(user))?;
            no_content()
        }
        ("DELETE", ["channels", channel, "thread-members", user]) => {
            w.remove_thread_member(bot, id(channel), id(user))?;
            no_content()
        }
        ("POST", ["interactions", interaction, token, "callback"]) => {
            w.interaction_callback(id(interaction), token, body, uploads)?;
            no_content()
        }
        ("POST", ["webhooks", app, token]) => ok(w.followup(id(app), token, body, uploads)?),
        ("GET", ["webhooks", app, token, "messages", which]) => ok(w.webhook_get(id(app), token, which)?),
        ("PATCH", ["webhooks", app, token, "messages", which]) => {
            ok(w.webhook_edit(id(app), token, which, body, uploads)?)
        }
        ("DELETE", ["webhooks", app, token, "messages", which]) => {
            w.webhook_delete(id(app), token, which)?;
            no_content()
        }
        ("GET", ["guilds", guild]) => {
            check_guild(w, guild)?;
            let mut guild = w.guild_json_of(id(guild), false);
            if query.get("with_counts").is_some_and(|v| v == "true") {
                guild["approximate_member_count"] = json!(w.members.len());
                guild["approximate_presence_count"] = json!(0);
            }
            ok(guild)
        }
        ("GET", ["guilds", guild, "channels"]) => {
            check_guild(w, guild)?;
            ok(w.channels
                .values()
                .filter(|c| c.guild_id == id(guild) && !c.is_thread())
                .map(|c| w.channel_json(c))
                .collect())
        }
        ("GET", ["guilds", guild, "threads", "active"]) => {
            check_guild(w, guild)?;
            let threads: Vec<Value> = w
                .channels
                .values()
                .filter(|c| c.guild_id == id(guild) && c.thread.as_ref().is_some_and(|t| !t.archived))
                .map(|c| w.channel_json(c))
                .collect();
            // The bot's own thread member object for each listed thread it is in.
            let members: Vec<Value> = w
                .channels
                .values()
                .filter(|c| c.guild_id == id(guild) && c.thread.as_ref().is_some_and(|t| !t.archived))
                .filter(|c| c.thread_members.contains_key(&bot))
                .map(|c| w.thread_member_json(c.id, bot, false))
                .collect();
            ok(json!({ "threads": threads, "members": members }))
        }
        ("GET", ["guilds", guild, "roles"]) => {
            check_guild(w, guild)?;
            ok(w.roles.values().map(|r| w.role_json(r)).collect())
        }
        ("GET", ["guilds", guild, "members", user]) => {
            check_guild(w, guild)?;
            let user = id(user);
            if !w.members.contains_key(&user) {
                return Err(ApiError::unknown_member());
            }
            ok(w.member_json(user, true))
        }
        ("PUT" | "DELETE", ["guilds", guild, "members", user, "roles", role]) => {
            check_guild(w, guild)?;
            let add = method == Method::PUT;
            w.change_member_role(bot, id(guild), id(user), id(role), add)?;
            no_content()
        }
        ("GET", ["guilds", guild, "members"]) => {
            check_guild(w, guild)?;
            let after = num("after").unwrap_or(0);
            let limit = usize::try_from(num("limit").unwrap_or(1).clamp(1, 1000)).unwrap_or(1);
            ok(w.members
                .keys()
                .filter(|u| **u > after)
                .take(limit)
                .map(|u| w.member_json(*u, true))
                .collect())
        }
        _ if known_path(segs) => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::not_found()),
    }
}

fn known_path(segs: &[&str]) -> bool {
    matches!(
        segs.first(),
        Some(&("channels" | "guilds" | "applications" | "webhooks" | "interactions" | "users"))
    ) && segs.len() <= 2
}

fn check_guild(w: &World, guild: &str) -> Result<(), ApiError> {
    if w.guilds.contains(&id(guild)) {
        Ok(())
    } else {
        Err(ApiError::unknown_guild())
    }
}

fn commands(w: &mut World, method: &str, app: u64, guild: Option<u64>, body: &Value) -> Outcome {
    match method {
        "GET" => ok(w.list_commands(app, guild)?),
        "PUT" => ok(w.overwrite_commands(app, guild, body)?),
        "POST" => {
            let (cmd, created) = w.create_command(app, guild, body)?;
            Ok((if created { 201 } else { 200 }, cmd))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn command(w: &mut World, method: &str, app: u64, guild: Option<u64>, cmd: u64, body: &Value) -> Outcome {
    match method {
        "GET" => ok(w.get_command(app, guild, cmd)?),
        "PATCH" => ok(w.edit_command(app, guild, cmd, body)?),
        "DELETE" => {
            w.delete_command(app, guild, cmd)?;
            no_content()
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// Get Channel Messages: newest first, `limit` 1–100 (default 50).
fn list_messages(
    w: &World,
    channel: u64,
    limit: Option<u64>,
    before: Option<u64>,
    after: Option<u64>,
    around: Option<u64>,
) -> Outcome {
    w.channel(channel)?;
    w.require(
        w.bot_id,
        channel,
        crate::permissions::Permissions::READ_MESSAGE_HISTORY,
    )
    .map_err(|_| ApiError::missing_access())?;
    let limit = usize::try_from(limit.unwrap_or(50).clamp(1, 100)).unwrap_or(50);
    let mut ids: Vec<u64> = w
        .messages
        .values()
        .filter(|m| m.channel_id == channel && m.flags & FLAG_EPHEMERAL == 0)
        .map(|m| m.id)
        .collect();
    ids.sort_unstable();
    let selected: Vec<u64> = if let Some(after) = after {
        ids.into_iter().filter(|i| *i > after).take(limit).collect()
    } else if let Some(around) = around {
        let pos = ids.partition_point(|i| *i < around);
        let start = pos.saturating_sub(limit / 2);
        ids.into_iter().skip(start).take(limit).collect()
    } else {
        let before = before.unwrap_or(u64::MAX);
        let older: Vec<u64> = ids.into_iter().filter(|i| *i < before).collect();
        older[older.len().saturating_sub(limit)..].to_vec()
    };
    ok(selected
        .iter()
        .rev()
        .map(|i| w.message_for_bot(&w.messages[i]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Vec<String> {
        path.split('/').filter(|s| !s.is_empty()).map(decode).collect()
    }

    #[test]
    fn route_templates_keep_the_major_parameter_apart_from_the_bucket_name() {
        let (route, major) = template(&Method::POST, &segments("channels/12/messages"));
        assert_eq!(
            (route.as_str(), major.as_str()),
            ("POST /channels/{channel_id}/messages", "12")
        );
        let reaction = segments("channels/12/messages/34/reactions/%E2%AC%86%EF%B8%8F/56");
        let (route, _) = template(&Method::DELETE, &reaction);
        assert_eq!(
            route,
            "DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}"
        );
        let (route, major) = template(&Method::PATCH, &segments("webhooks/1/tok/messages/@original"));
        assert_eq!(route, "PATCH /webhooks/{webhook_id}/{token}/messages/@original");
        assert_eq!(major, "1/tok");
        // Each interaction is its own bucket, so a burst of commands is not limited as one route.
        let (route, major) = template(&Method::POST, &segments("interactions/77/tok/callback"));
        assert_eq!(route, "POST /interactions/{interaction_id}/{token}/callback");
        assert_eq!(major, "77/tok");
        // Adding members to one thread shares a bucket whoever is added; joining is its own.
        let (route, major) = template(&Method::PUT, &segments("channels/12/thread-members/56"));
        assert_eq!(
            (route.as_str(), major.as_str()),
            ("PUT /channels/{channel_id}/thread-members/{user_id}", "12")
        );
        let (route, _) = template(&Method::PUT, &segments("channels/12/thread-members/@me"));
        assert_eq!(route, "PUT /channels/{channel_id}/thread-members/@me");
        let (route, major) = template(&Method::GET, &segments("channels/12/thread-members"));
        assert_eq!(
            (route.as_str(), major.as_str()),
            ("GET /channels/{channel_id}/thread-members", "12")
        );
    }

    #[test]
    fn a_query_with_a_leading_ampersand_parses() {
        let query = parse_query("&limit=50&after=7");
        assert_eq!(query.get("limit").map(String::as_str), Some("50"));
        assert_eq!(query.get("after").map(String::as_str), Some("7"));
    }
}
