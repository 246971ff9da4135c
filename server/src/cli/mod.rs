//! The operator's commands, one module per area; each calls the same library functions the API
//! does.

pub(crate) mod audit;
pub(crate) mod catalogue;
pub(crate) mod centre;
pub(crate) mod device;
pub(crate) mod eaddress;
pub(crate) mod institution;
pub(crate) mod release;
pub(crate) mod stats;
pub(crate) mod user;

pub(crate) use crate::*;

/// What every command may use.
pub(crate) struct CommandContext {
    pub store: std::sync::Arc<dyn server::store::Store>,
    pub settings: Settings,
    pub clock: server::clock::Clock,
    pub ttl: chrono::Duration,
}
