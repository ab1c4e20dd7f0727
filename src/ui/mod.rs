//! The playground's components.

pub mod cluster_view;
pub mod console;
pub mod editor;
pub mod events;
pub mod icons;
pub mod inspector;
pub mod share;
pub mod topbar;
pub mod traffic;
