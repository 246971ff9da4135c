//! Several server instances as production runs them: over one PostgreSQL database and one
//! S3-compatible attachment store, behind a reverse proxy (nginx, balancing request by
//! request), for the load test's question whether anything assumes a single process.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::processes::{Process, ServerProcess};

const S3_KEY: &str = "PIETURATESTKEY";
const S3_SECRET: &str = "pietura-test-secret";
const BUCKET: &str = "pietura-attachments";

/// A local S3-compatible server (s3s-fs: objects as files in `root`) on a free port, on the
/// current tokio runtime; answers its endpoint.
pub async fn local_s3(root: &Path) -> Result<String> {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder as ConnBuilder;
    let fs = s3s_fs::FileSystem::new(root).map_err(|e| anyhow::anyhow!("the S3 folder: {e:?}"))?;
    let service = {
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single(S3_KEY, S3_SECRET));
        builder.build().into_shared()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { continue };
            let connection = ConnBuilder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(socket), service.clone())
                .into_owned();
            tokio::spawn(async move {
                let _ = connection.await;
            });
        }
    });
    Ok(format!("http://{address}"))
}

/// The instances and the proxy in front of them; stopped when dropped.
pub struct Cluster {
    /// The proxy's address: where the devices go.
    pub url: String,
    pub servers: Vec<ServerProcess>,
    _proxy: Process,
}

impl Cluster {
    /// `instances` servers on `database` (a PostgreSQL URL) with the settings in `config` and
    /// attachments in a local S3 bucket under DIR/s3, behind nginx.
    pub async fn start(bin: &Path, dir: &Path, database: &Path, config: &Path, instances: usize) -> Result<Self> {
        let root = dir.join("s3");
        std::fs::create_dir_all(root.join(BUCKET))?;
        let endpoint = local_s3(&root).await?;
        let mut settings = std::fs::read_to_string(config).unwrap_or_default();
        settings.push_str(&format!(
            "attachment_s3_endpoint = \"{endpoint}\"\nattachment_s3_bucket = \"{BUCKET}\"\nattachment_s3_region = \"us-east-1\"\n\
             trusted_proxies = [\"127.0.0.1\"]\n"
        ));
        let cluster_config = dir.join("cluster.toml");
        std::fs::write(&cluster_config, settings)?;
        let mut servers = Vec::new();
        for _ in 0..instances {
            servers.push(ServerProcess::start_with(bin, database, crate::free_port(), |server| {
                server
                    .env("PIETURA_CONFIG", &cluster_config)
                    .env("PIETURA_S3_ACCESS_KEY_ID", S3_KEY)
                    .env("PIETURA_S3_SECRET_ACCESS_KEY", S3_SECRET);
            })?);
        }
        let port = crate::free_port();
        let proxy = nginx(dir, port, &servers)?;
        Ok(Self { url: format!("http://127.0.0.1:{port}"), servers, _proxy: proxy })
    }
}

/// nginx in the foreground on `port`, passing each request to the next instance (keeping
/// connections to them open, idle for 5 s at most: the servers close theirs after 10 s, and a
/// request sent on a connection just closed would fail), its files in DIR/nginx.
fn nginx(dir: &Path, port: u16, servers: &[ServerProcess]) -> Result<Process> {
    let home: PathBuf = dir.join("nginx");
    std::fs::create_dir_all(home.join("temp"))?;
    let upstreams: String = servers
        .iter()
        .map(|s| format!("    server {};\n", s.url.trim_start_matches("http://").trim_end_matches('/')))
        .collect();
    let temp = home.join("temp");
    let temp = temp.display();
    let config = format!(
        "daemon off;\nworker_processes 1;\npid {home}/nginx.pid;\nerror_log {home}/error.log warn;\n\
         events {{ worker_connections 8192; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n\
           fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n\
           client_max_body_size 64m;\n\
           upstream pietura {{\n{upstreams}    keepalive 128;\n    keepalive_timeout 5s;\n  }}\n\
           server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass http://pietura;\n\
               proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n\
               proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      proxy_request_buffering off;\n\
               proxy_buffering off;\n      proxy_read_timeout 600s;\n    }}\n  }}\n}}\n",
        home = home.display(),
    );
    let file = home.join("nginx.conf");
    std::fs::write(&file, config)?;
    let process = Process::spawn(
        "nginx",
        Command::new("nginx").arg("-c").arg(&file).arg("-p").arg(&home).stdout(Stdio::null()).stderr(Stdio::inherit()),
    )
    .context("nginx is needed for the load test through several instances: `cargo xtask setup` installs it")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(process);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("nginx did not listen on {port} (see {}/error.log)", home.display())
}

/// The servers a fleet talks to: one on `database` (attachments in DIR/attachments), or
/// `instances` sharing it (PostgreSQL) and an S3 store behind nginx ([`Cluster`]).
pub enum Servers {
    One(ServerProcess),
    Several(Cluster),
}

impl Servers {
    pub async fn start(bin: &Path, dir: &Path, database: &Path, config: &Path, instances: usize) -> Result<Self> {
        if instances > 1 {
            let postgres = database.to_str().is_some_and(|d| d.starts_with("postgres"));
            anyhow::ensure!(postgres, "several instances share a PostgreSQL database: give its URL");
            return Ok(Self::Several(Cluster::start(bin, dir, database, config, instances).await?));
        }
        let server = ServerProcess::start_with(bin, database, crate::free_port(), |server| {
            server.env("PIETURA_CONFIG", config).env("PIETURA_ATTACHMENT_DIR", dir.join("attachments"));
        })?;
        Ok(Self::One(server))
    }

    /// Where the devices go.
    pub fn url(&self) -> &str {
        match self {
            Self::One(server) => &server.url,
            Self::Several(cluster) => &cluster.url,
        }
    }

    /// The server processes, for reading their memory.
    pub fn pids(&self) -> Vec<u32> {
        match self {
            Self::One(server) => vec![server.pid()],
            Self::Several(cluster) => cluster.servers.iter().map(ServerProcess::pid).collect(),
        }
    }
}
