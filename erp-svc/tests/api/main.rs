mod access;
mod documents;
mod helpers;
mod interventions;
mod scheduler;
