// In these tests an unexpected shape is the failure itself; the assertion
// messages around them say what was expected.
#![allow(clippy::unwrap_used)]

mod checks;
mod clients;
mod exports;
mod helpers;
mod pages;
mod probes;
mod schedule;
mod status;
mod transfer;
