//! The sizes the benchmark fills the database to (performance.md, "Scale to plan for").

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScaleName {
    /// A quick run: 1/50 of `city`.
    Small,
    /// 1/10 of `city`.
    Town,
    /// Shanghai in about two years: 450 agencies, 5 000 enterprises, 1 000 000 records.
    City,
}

#[derive(Debug, Clone)]
pub struct Scale {
    pub name: ScaleName,
    pub agencies: usize,
    pub enterprises: usize,
    pub outlets: usize,
    pub instruments: usize,
    pub tasks: usize,
    pub records: usize,
}

impl Scale {
    pub fn of(name: ScaleName) -> Scale {
        let city = Scale {
            name,
            agencies: 450,
            enterprises: 5_000,
            outlets: 10_000,
            instruments: 25_000,
            tasks: 2_000,
            records: 1_000_000,
        };
        let part = |d: usize| Scale {
            name,
            agencies: city.agencies / d,
            enterprises: city.enterprises / d,
            outlets: city.outlets / d,
            instruments: city.instruments / d,
            tasks: city.tasks / d,
            records: city.records / d,
        };
        match name {
            ScaleName::City => city,
            ScaleName::Town => part(10),
            ScaleName::Small => part(50),
        }
    }

    pub fn label(&self) -> &'static str {
        match self.name {
            ScaleName::Small => "small",
            ScaleName::Town => "town",
            ScaleName::City => "city",
        }
    }
}
