//! Tests of the fake Discord itself, most of them driving the real serenity/poise client.

mod attachments;
mod client;
mod clock;
mod crash;
mod fixtures;
mod gateway;
mod helpers;
mod limits;
mod modals;
mod records;
mod rest;
mod roles;
mod scripting;
mod shards;
mod threads;
