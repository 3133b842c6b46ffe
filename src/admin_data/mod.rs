//! The owner's read models and bulk tools: reports and the dashboard figures, the audit-log
//! list, customers, coupon administration, CSV import/export and the settings page's
//! view of the running store. They read what the domains wrote; writes they make go
//! through the same domain rules (stock through the ledger, every change audited).

pub mod audit_list;
pub mod coupons;
pub mod csv_io;
pub mod customers;
pub mod payments;
pub mod reports;
pub mod settings;
