//! Throttling, in two parts: [`double`], the double's token buckets, 429s and storms driven
//! through its HTTP and admin endpoints in process; [`end_to_end`], the throttle suites and
//! a 429 storm through `ion-contract serve`, measured by the server.

mod double;
mod end_to_end;
