mod authentication;
mod helpers;
mod limits;
mod policies;
mod routing;
