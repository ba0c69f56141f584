//! `iroise user|group|grant|token|access|stats`: accounts and statistics from the command line,
//! straight on the catalog database. Running servers see changes within `auth.refresh_secs`.

use std::{io::BufRead, process::ExitCode};

use iroise_archive::{
    accounts::{Accounts, Grantee, RequestStatus},
    catalog::SqliteCatalog,
    downloads::Downloads,
};

use crate::{
    auth::{password, token},
    cli::{AccessCommand, GrantArgs, GroupCommand, StatsArgs, TokenCommand, UserCommand},
    config::Config,
};

async fn accounts(config: &Config) -> anyhow::Result<Accounts> {
    Ok(Accounts::new(SqliteCatalog::connect(&config.catalog_url).await?.pool().clone()))
}

/// The first line of stdin, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\r', '\n']).to_owned();
    if pw.is_empty() {
        anyhow::bail!("no password on stdin");
    }
    Ok(pw)
}

async fn hash(pw: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || password::hash(&pw)).await?
}

pub async fn user(config: Config, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let a = accounts(&config).await?;
    match cmd {
        UserCommand::Add { name, email, admin, password_stdin } => {
            let hashed = if password_stdin { Some(hash(read_password()?).await?) } else { None };
            let id = a.add_user(&name, email.as_deref(), hashed.as_deref(), admin).await?;
            println!("user {name} created (id {id}{})", if admin { ", admin" } else { "" });
        }
        UserCommand::List { json } => {
            let users = a.users().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                for u in users {
                    let flags = [(u.admin, "admin"), (u.disabled, "disabled")]
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, f)| *f)
                        .collect::<Vec<_>>()
                        .join(",");
                    println!(
                        "{:<20} {:<30} groups={} {flags}",
                        u.name,
                        u.email.unwrap_or_default(),
                        u.groups.join(",")
                    );
                }
            }
        }
        UserCommand::Disable { name, enable } => {
            a.set_disabled(&name, !enable).await?;
            println!("user {name} {}", if enable { "enabled" } else { "disabled" });
        }
        UserCommand::Passwd { name } => {
            a.set_password(&name, &hash(read_password()?).await?).await?;
            println!("password of {name} changed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn group(config: Config, cmd: GroupCommand) -> anyhow::Result<ExitCode> {
    let a = accounts(&config).await?;
    match cmd {
        GroupCommand::Add { name } => {
            a.add_group(&name).await?;
            println!("group {name} created");
        }
        GroupCommand::Member { group, user, remove } => {
            a.set_member(&group, &user, remove).await?;
            println!("{user} {} group {group}", if remove { "removed from" } else { "added to" });
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn grant(config: Config, args: GrantArgs) -> anyhow::Result<ExitCode> {
    if config.collection(&args.collection).is_none() {
        anyhow::bail!("no collection {:?} in the configuration", args.collection);
    }
    let a = accounts(&config).await?;
    let (who, label) = match (args.user, args.group) {
        (Some(u), _) => (Grantee::User(u.clone()), format!("user {u}")),
        (None, Some(g)) => (Grantee::Group(g.clone()), format!("group {g}")),
        (None, None) => anyhow::bail!("give --user or --group"),
    };
    if args.revoke {
        let removed = a.revoke_grant(&args.collection, &who).await?;
        println!("{label} {} {}", if removed { "may no longer read" } else { "had no grant on" }, args.collection);
    } else {
        a.grant(&args.collection, &who).await?;
        println!("{label} may read {}", args.collection);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn token_cmd(config: Config, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    let a = accounts(&config).await?;
    match cmd {
        TokenCommand::Create { user, name, expires_days } => {
            let (secret, prefix, hash) = token::new_api_token();
            let expires = expires_days.map(|d| chrono::Utc::now() + chrono::Duration::days(i64::from(d)));
            let id = a.add_token(&user, &name, &prefix, &hash, expires).await?;
            eprintln!("token {id} ({prefix}…) created for {user}; it is shown once:");
            println!("{secret}");
        }
        TokenCommand::List { user, json } => {
            let tokens = a.tokens(user.as_deref()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&tokens)?);
            } else {
                for t in tokens {
                    let state = match (t.revoked_at, t.expires_at) {
                        (Some(r), _) => format!("revoked {}", r.format("%Y-%m-%d %H:%M")),
                        (None, Some(e)) => format!("expires {}", e.format("%Y-%m-%d")),
                        (None, None) => "active".into(),
                    };
                    println!("{:>5} {:<16} {}… {:<12} {state}", t.id, t.user, t.prefix, t.name);
                }
            }
        }
        TokenCommand::Revoke { id } => {
            let changed = a.revoke_token(id).await?;
            let bound = config.auth.refresh.as_secs();
            println!(
                "token {id} {}; running servers refuse it within {bound} s",
                if changed { "revoked" } else { "was already revoked" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn access(config: Config, cmd: AccessCommand) -> anyhow::Result<ExitCode> {
    let a = accounts(&config).await?;
    let by = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    match cmd {
        AccessCommand::List { pending, json } => {
            let requests = a.access_requests(None, pending.then_some(RequestStatus::Pending), None).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&requests)?);
            } else {
                for r in requests {
                    println!(
                        "{:>5} {:<16} {:<20} {:<9} {} {}",
                        r.id,
                        r.user,
                        r.collection,
                        r.status.as_str(),
                        r.created_at.format("%Y-%m-%d %H:%M"),
                        r.message
                    );
                }
            }
        }
        AccessCommand::Approve { id } | AccessCommand::Refuse { id } => {
            let approve = matches!(cmd, AccessCommand::Approve { .. });
            let r = a.decide(id, approve, &format!("cli:{by}")).await?;
            println!("request {id} ({} on {}) {}", r.user, r.collection, r.status.as_str());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn stats(config: Config, args: StatsArgs) -> anyhow::Result<ExitCode> {
    let d = Downloads::new(SqliteCatalog::connect(&config.catalog_url).await?.pool().clone());
    let report = d.report(args.from, args.to, args.top).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if args.csv {
        print!("{}", crate::stats::report_csv(&report));
    } else {
        let mib = |b: u64| b as f64 / (1 << 20) as f64;
        let total = report.total.clone().unwrap_or(iroise_archive::downloads::Tally {
            key: "all".into(),
            requests: 0,
            bytes: 0,
        });
        println!("total: {} requests, {:.1} MiB", total.requests, mib(total.bytes));
        for (title, rows) in [
            ("by day", &report.by_day),
            ("by collection", &report.by_collection),
            ("by protocol", &report.by_protocol),
            ("top users", &report.by_user),
        ] {
            println!("{title}:");
            for t in rows {
                println!("  {:<24} {:>10} requests {:>12.1} MiB", t.key, t.requests, mib(t.bytes));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
