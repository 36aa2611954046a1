#!/usr/bin/env python3
"""gen_recall.py OUTDIR - one layer holding one secret of each kind issue 3 names, each in the
file and syntax it is usually found in (credentials files, .env, YAML, JSON, shell, URIs, keys),
plus the rule(s) that must report it: tests/integration/test_recall.sh checks the scan finds
exactly these. Every secret is a fake made here from a seeded generator, in the provider's
documented shape (GitHub and npm tokens with valid CRC32 checksums).
"""
import os
import sys
import base64, io, json, random, string, tarfile, zlib
R = random.Random(42)
def rs(n, alpha=string.ascii_letters+string.digits): return ''.join(R.choice(alpha) for _ in range(n))
B62 = string.digits+string.ascii_uppercase+string.ascii_lowercase
def crc_tok(prefix):
    body = rs(30)
    c = zlib.crc32(body.encode()) & 0xffffffff
    s=''
    v=c
    for _ in range(6):
        s = B62[v%62]+s; v//=62
    return prefix+body+s
hexs = lambda n: rs(n, '0123456789abcdef')
up = string.ascii_uppercase+string.digits
cases = {
 "aws-id": ("/root/.aws/credentials", "[default]\naws_access_key_id = AKIA%s\naws_secret_access_key = %s\n" % (rs(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), rs(40, string.ascii_letters+string.digits+'/+'))),
 "aws-session": ("/app/aws.env", "AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjE%s\n" % rs(300, string.ascii_letters+string.digits+'/+')),
 "gcp-api": ("/app/config.js", "const mapsKey = 'AIza%s';\n" % rs(35, string.ascii_letters+string.digits+'-_')),
 "azure-conn": ("/app/appsettings.json", '{"Storage":"DefaultEndpointsProtocol=https;AccountName=prodstore;AccountKey=%s==;EndpointSuffix=core.windows.net"}\n' % rs(86, string.ascii_letters+string.digits+'+/')),
 "azure-sas": ("/app/upload.sh", "curl 'https://prodstore.blob.core.windows.net/c/x?sv=2021-06-08&ss=b&srt=sco&sp=rwdlac&se=2026-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=%s%%3D'\n" % rs(43, string.ascii_letters+string.digits+'%')),
 "azure-client-secret": ("/app/azure.env", "AZURE_CLIENT_SECRET=%s8Q~%s\n" % (rs(3), rs(34, string.ascii_letters+string.digits+'_-.~'))),
 "github-classic": ("/home/dev/.git-credentials", "https://dev:%s@github.com\n" % crc_tok('ghp_')),
 "github-fine": ("/app/deploy.sh", "export GH_TOKEN=github_pat_%s_%s\n" % (rs(22), rs(59))),
 "gitlab": ("/app/.gitlab-token", "GITLAB_TOKEN=glpat-%s\n" % rs(20, string.ascii_letters+string.digits+'-_')),
 "bitbucket": ("/app/bb.env", "BITBUCKET_TOKEN=ATBB%s\n" % rs(32)),
 "slack-bot": ("/app/slack.yml", "token: xoxb-%s-%s-%s\n" % (rs(12,string.digits), rs(13,string.digits), rs(24))),
 "slack-webhook": ("/app/notify.py", "URL = 'https://hooks.slack.com/services/T%s/B%s/%s'\n" % (rs(10, up), rs(10, up), rs(24))),
 "stripe": ("/app/pay.rb", "Stripe.api_key = 'sk_live_%s'\n" % rs(99)),
 "twilio": ("/app/sms.env", "TWILIO_API_KEY=SK%s\n" % hexs(32)),
 "sendgrid": ("/app/mail.env", "SENDGRID_API_KEY=SG.%s.%s\n" % (rs(22, string.ascii_letters+string.digits+'-_'), rs(43, string.ascii_letters+string.digits+'-_'))),
 "mailgun": ("/app/mg.env", "MAILGUN_KEY=key-%s\n" % hexs(32)),
 "mailchimp": ("/app/mc.env", "MAILCHIMP_API_KEY=%s-us14\n" % hexs(32)),
 "shopify": ("/app/shop.env", "SHOPIFY_TOKEN=shpat_%s\n" % hexs(32)),
 "square": ("/app/sq.env", "SQUARE_TOKEN=EAAA%s\n" % rs(60, string.ascii_letters+string.digits+'-_')),
 "braintree": ("/app/bt.env", "BT=access_token$production$%s$%s\n" % (rs(16, string.ascii_lowercase+string.digits), hexs(32))),
 "digitalocean": ("/app/do.env", "DO_TOKEN=dop_v1_%s\n" % hexs(64)),
 "heroku": ("/app/.netrc", "machine api.heroku.com\n  login me@example.org\n  password %s-%s-%s-%s-%s\n" % (hexs(8),hexs(4),hexs(4),hexs(4),hexs(12))),
 "datadog": ("/etc/datadog-agent/datadog.yaml", "api_key: %s\n" % hexs(32)),
 "newrelic": ("/app/newrelic.ini", "license_key = NRAK-%s\n" % rs(27, up)),
 "sentry": ("/app/sentry.env", "SENTRY_DSN=https://%s@o12345.ingest.sentry.io/678901\n" % hexs(32)),
 "pagerduty": ("/app/pd.env", "PAGERDUTY_TOKEN=u+%s\n" % rs(18, string.ascii_letters+string.digits+'_-')),
 "vault": ("/app/vault.env", "VAULT_TOKEN=hvs.%s\n" % rs(24)),
 "terraform": ("/root/.terraform.d/credentials.tfrc.json", '{"credentials":{"app.terraform.io":{"token":"%s.atlasv1.%s"}}}\n' % (rs(14), rs(67))),
 "npm": ("/root/.npmrc", "//registry.npmjs.org/:_authToken=%s\n" % crc_tok('npm_')),
 "pypi": ("/root/.pypirc", "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc%s\n" % rs(70, string.ascii_letters+string.digits+'-_')),
 "rubygems": ("/root/.gem/credentials", "---\n:rubygems_api_key: rubygems_%s\n" % hexs(48)),
 "nuget": ("/app/nuget.config", '<add key="ClearTextPassword" value="oy2%s" />\n' % rs(43, string.ascii_lowercase+string.digits)),
 "dockerhub": ("/app/ci.sh", "echo dckr_pat_%s | docker login -u me --password-stdin\n" % rs(27, string.ascii_letters+string.digits+'-_')),
 "docker-config": ("/root/.docker/config.json", '{"auths":{"registry.example.com":{"auth":"%s"}}}\n' % base64.b64encode(("deploy:"+rs(20)).encode()).decode()),
 "jfrog": ("/app/jfrog.env", "ARTIFACTORY_API_KEY=AKCp8%s\n" % rs(68)),
 "openai": ("/app/ai.env", "OPENAI_API_KEY=sk-proj-%s\n" % rs(156, string.ascii_letters+string.digits+'-_')),
 "anthropic": ("/app/claude.env", "ANTHROPIC_API_KEY=sk-ant-api03-%s-%sAA\n" % (rs(86, string.ascii_letters+string.digits+'-_'), rs(6))),
 "huggingface": ("/app/hf.env", "HF_TOKEN=hf_%s\n" % rs(34, string.ascii_letters)),
 "telegram": ("/app/bot.py", "TOKEN = '%s:AA%s'\n" % (rs(10, string.digits), rs(33, string.ascii_letters+string.digits+'_-'))),
 "discord": ("/app/discord.env", "DISCORD_BOT_TOKEN=%s.%s.%s\n" % (base64.b64encode(('1' + rs(18, string.digits)).encode()).decode().rstrip('='), rs(6, string.ascii_letters+string.digits+'-_'), rs(38, string.ascii_letters+string.digits+'-_'))),
 "jwt": ("/app/token.txt", "Authorization: Bearer %s.%s.%s\n" % (base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip('='), base64.urlsafe_b64encode(b'{"sub":"svc-deploy","exp":1900000000}').decode().rstrip('='), rs(43, string.ascii_letters+string.digits+'-_'))),
 "ssh-key": ("/root/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n%s\n-----END OPENSSH PRIVATE KEY-----\n" % '\n'.join(rs(70, string.ascii_letters+string.digits+'+/') for _ in range(5))),
 "pgp": ("/root/private.asc", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n%s\n-----END PGP PRIVATE KEY BLOCK-----\n" % '\n'.join(rs(64, string.ascii_letters+string.digits+'+/') for _ in range(6))),
 "putty": ("/root/key.ppk", "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: rsa-key\nPublic-Lines: 1\n%s\nPrivate-Lines: 2\n%s\n%s\nPrivate-MAC: %s\n" % (rs(64), rs(64), rs(40), hexs(64))),
 "postgres": ("/app/database.yml", "url: postgres://app:%s@db.internal:5432/prod\n" % rs(16)),
 "mongodb": ("/app/mongo.env", "MONGO_URL=mongodb+srv://svc:%s@cluster0.abcde.mongodb.net/app\n" % rs(16)),
 "redis": ("/app/redis.env", "REDIS_URL=redis://default:%s@cache:6379/0\n" % rs(20)),
 "amqp": ("/app/amqp.env", "BROKER=amqp://worker:%s@rabbit:5672/\n" % rs(14)),
 "mssql": ("/app/mssql.env", "DB=mssql://sa:%s@sql:1433/app\n" % rs(14)),
 "basic-url": ("/app/fetch.sh", "curl https://deploy:%s@artifacts.example.com/pkg.tgz\n" % rs(14)),
 "kubeconfig": ("/root/.kube/config", "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: %s\n" % rs(40, string.ascii_letters+string.digits)),
 "k8s-secret": ("/app/k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: %s\n" % base64.b64encode(rs(18).encode()).decode()),
 "shadow": ("/etc/shadow", "root:$6$%s$%s:19000:0:99999:7:::\n" % (rs(16, string.ascii_letters+string.digits+'./'), rs(86, string.ascii_letters+string.digits+'./'))),
 "env-file": ("/app/.env", "DB_PASSWORD=%s\n" % (rs(6)+'#'+rs(8))),
 "bash-history": ("/root/.bash_history", "ls\nmysql -u root -p%s prod\n" % rs(12)),
 "tfstate": ("/infra/terraform.tfstate", '{"version":4,"resources":[{"type":"aws_db_instance","instances":[{"attributes":{"password":"%s"}}]}]}\n' % rs(16)),
 "chpasswd": ("/app/setup.sh", "echo 'app:%s' | chpasswd\n" % rs(12)),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
with tarfile.open(os.path.join(out, "layer.tar"), "w") as t:
    for k,(p,c) in cases.items():
        b = c.encode()
        ti = tarfile.TarInfo(p.lstrip("/"))
        ti.size = len(b)
        ti.mtime = 1700000000
        t.addfile(ti, io.BytesIO(b))
# the rule(s) each case must be reported by, and nothing else
EXPECT = {
 "aws-id": [
  "aws-access-key-id",
  "aws-secret-access-key"
 ],
 "aws-session": [
  "aws-session-token"
 ],
 "gcp-api": [
  "google-api-key"
 ],
 "azure-conn": [
  "azure-storage-account-key"
 ],
 "azure-sas": [
  "azure-sas-token"
 ],
 "azure-client-secret": [
  "azure-ad-client-secret"
 ],
 "github-classic": [
  "github-pat"
 ],
 "github-fine": [
  "github-fine-grained-pat"
 ],
 "gitlab": [
  "gitlab-pat"
 ],
 "bitbucket": [
  "bitbucket-app-password"
 ],
 "slack-bot": [
  "slack-token"
 ],
 "slack-webhook": [
  "slack-webhook-url"
 ],
 "stripe": [
  "stripe-secret-key"
 ],
 "twilio": [
  "twilio-api-key"
 ],
 "sendgrid": [
  "sendgrid-api-key"
 ],
 "mailgun": [
  "mailgun-api-key"
 ],
 "mailchimp": [
  "mailchimp-api-key"
 ],
 "shopify": [
  "shopify-token"
 ],
 "square": [
  "square-access-token"
 ],
 "braintree": [
  "braintree-access-token"
 ],
 "digitalocean": [
  "digitalocean-token"
 ],
 "heroku": [
  "netrc-password"
 ],
 "datadog": [
  "datadog-agent-api-key"
 ],
 "newrelic": [
  "newrelic-user-api-key"
 ],
 "sentry": [
  "sentry-dsn"
 ],
 "pagerduty": [
  "pagerduty-api-key"
 ],
 "vault": [
  "hashicorp-vault-token"
 ],
 "terraform": [
  "terraform-cloud-token"
 ],
 "npm": [
  "npm-token"
 ],
 "pypi": [
  "pypi-token"
 ],
 "rubygems": [
  "rubygems-api-key"
 ],
 "nuget": [
  "nuget-api-key"
 ],
 "dockerhub": [
  "docker-hub-pat"
 ],
 "docker-config": [
  "docker-config-auth"
 ],
 "jfrog": [
  "jfrog-api-key"
 ],
 "openai": [
  "openai-project-key"
 ],
 "anthropic": [
  "anthropic-api-key"
 ],
 "huggingface": [
  "huggingface-token"
 ],
 "telegram": [
  "telegram-bot-token"
 ],
 "discord": [
  "discord-bot-token"
 ],
 "jwt": [
  "jwt"
 ],
 "ssh-key": [
  "private-key"
 ],
 "pgp": [
  "pgp-private-key"
 ],
 "putty": [
  "putty-private-key"
 ],
 "postgres": [
  "uri-credentials"
 ],
 "mongodb": [
  "uri-credentials"
 ],
 "redis": [
  "uri-credentials"
 ],
 "amqp": [
  "uri-credentials"
 ],
 "mssql": [
  "uri-credentials"
 ],
 "basic-url": [
  "uri-credentials"
 ],
 "kubeconfig": [
  "kubeconfig-token"
 ],
 "k8s-secret": [
  "k8s-secret-data"
 ],
 "shadow": [
  "shadow-password-hash"
 ],
 "env-file": [
  "generic-password"
 ],
 "bash-history": [
  "generic-mysql-p-flag"
 ],
 "tfstate": [
  "tfstate-secret"
 ],
 "chpasswd": [
  "generic-chpasswd"
 ]
}
assert set(EXPECT) == set(cases)
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump({cases[k][0]: v for k, v in EXPECT.items()}, f, indent=1, sort_keys=True)
