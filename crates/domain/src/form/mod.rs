//! The form catalogue (forms.md): the 15 maintenance forms as versioned data. A definition drives
//! the mobile form, server-side validation, derived values and verdicts, and the print view.

pub mod comparison;
pub mod definition;
pub mod evaluate;
pub mod formula;
pub mod limit;
pub mod number;
pub mod standard;
pub mod unit;

pub use definition::{
    DefinitionError, Field, FormDefinition, Frequency, Kind, OutletKind, PeriodGroup, Repeat, Rule,
    Section,
};
pub use evaluate::{
    Errors, Evaluation, Input, NoPrevious, PreviousValues, Registered, Verdict, evaluate,
    evaluate_partly, typed_inputs,
};
pub use limit::{AppliesBelow, Band, Bound, Confidence, Edge, ErrorKind, Limit, Outcome, Printed};
