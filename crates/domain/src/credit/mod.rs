//! 信用评价 (credit rating) of agencies: an indicator system (评价指标体系) is a versioned document
//! the city edits and publishes; each indicator applies a rule from a fixed library (`rule`) to a
//! fact from a fixed library of measures (`measure`); a rating is the sum per period (`period`).
//! No indicator is coded by hand: a new indicator is a new line of the document.

pub mod measure;
pub mod objection;
pub mod period;
pub mod points;
pub mod rating;
pub mod rule;
pub mod system;

pub use measure::{Measure, Unit};
pub use objection::{ObjectionState, Publicity};
pub use period::{Period, Standing};
pub use points::Points;
pub use rating::{Exclusion, ItemScore, Rating, rate};
pub use system::{Effect, Indicator, IndicatorSystem, SystemKind};
