//! Risk ranking: class and deadline from the policy, then a total order inside a class.
