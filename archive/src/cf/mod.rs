//! CF conventions in one place: packed values and missing data, time units and calendars,
//! longitude conventions. Every reader of values goes through here, so that no protocol decodes
//! a variable its own way.

mod lon;
mod packing;
mod time;

pub use lon::{normalize_lon, wraps_0_360};
pub use packing::{Packing, RawAttr};
pub use time::{Calendar, CfDate, CfTime, TimeUnit};
