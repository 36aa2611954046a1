/*
 * test_detect_suppress.c - known non-secrets (analyzer/detect/suppress.c):
 * documented examples and placeholders for every rule; lookups, digests,
 * UUIDs and public material for generic rules only; real-looking values kept.
 */
#include <string.h>

#include "check.h"
#include "detect/detect.h"

static const char *why(const char *id, const char *secret, const char *path)
{
    ls_rule r;
    memset(&r, 0, sizeof r);
    r.id = (char *)id;
    return ls_detect_nonsecret(&r, secret, strlen(secret), path);
}

int main(void)
{
    CHECK_STR(why("aws-access-key-id", "AKIAIOSFODNN7EXAMPLE", "/a"), "documented example value");
    CHECK_STR(why("aws-secret-access-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL),
              "documented example value");
    CHECK(why("aws-access-key-id", "AKIAM5ZYTIPDVSWKBBY5", "/a") == NULL);
    CHECK(why("generic-password", "${DB_PASSWORD}", "/a") != NULL);
    CHECK(why("generic-password", "$(cat /run/secrets/pw)", "/a") != NULL);
    CHECK(why("generic-secret", "<your-token-here>", "/a") != NULL);
    CHECK(why("generic-password", "xxxxxxxxxxxx", "/a") != NULL);
    CHECK(why("generic-password", "changeme123", "/a") != NULL);
    CHECK(why("generic-password", "", "/a") != NULL);
    CHECK_STR(why("generic-password", "os.environ[", "/a"), "environment or configuration lookup");
    CHECK_STR(why("generic-secret", "process.env.API_TOKEN", "/a"), "environment or configuration lookup");
    CHECK_STR(why("generic-secret", "sha512-Qm9vQmFyQmF6UXV4Q29yZ2VHcmF1bHRQbHVnaA==", "/a"),
              "integrity digest");
    CHECK_STR(why("generic-secret", "6f1ed002-ab5d-42de-a8e4-2d3e3f1b7c4a", "/a"), "UUID");
    CHECK(why("heroku-api-key", "6f1ed002-ab5d-42de-a8e4-2d3e3f1b7c4a", "/a") == NULL);
    CHECK_STR(why("generic-secret", "23f62f53a893fc5f76a5ab3df799cf7491fd96d7", "/src/go.sum"),
              "hex digest in a checksum or lock file");
    CHECK(why("generic-secret", "23f62f53a893fc5f76a5ab3df799cf7491fd96d7", "/app/.env") == NULL);
    CHECK_STR(why("generic-secret", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ", "/a"),
              "public key or certificate");
    CHECK(why("generic-password", "self.password_field", "/a") != NULL);
    CHECK_STR(why("generic-password", "db_conf.password_field", "/a"), "code reference");
    CHECK(why("generic-password", "Tr0ub4dor&3xQ", "/a") == NULL);
    CHECK(why("generic-secret", "U3x5VCl8Ew2HM98bSlgYUQz6AHeiHB2K", "/a") == NULL);
    CHECK(why("generic-password", "12345678abc", "/a") != NULL);
    CHECK_STR(why("generic-password", "fallback_getpass(prompt,", "/a"), "code expression");
    CHECK_STR(why("generic-password", "challengePassword", "/a"), "identifier or word");
    /* what a Debian base image holds: lintian overrides, .mo translations of
     * "--password PASSWORD", Go string tables, perl backticks */
    CHECK_STR(why("generic-password", "elevated-privileges", "/usr/share/lintian/overrides/passwd"),
              "identifier or word");
    CHECK_STR(why("generic-cli-password", "PASSWORD", "/a"), "placeholder word");
    CHECK_STR(why("generic-cli-password", "PALAVRA-PASSE", "/a"), "identifier or word");
    CHECK_STR(why("generic-cli-password", "ensemble.", "/a"), "identifier or word");
    CHECK_STR(why("generic-cli-password", "scmVersion=", "/a"), "identifier or word");
    CHECK_STR(why("generic-cli-password", "MẬT_KHẨU", "/a"), "non-ASCII text");
    CHECK_STR(why("generic-password", "Thai\\u00", "/usr/lib/cni/bridge"),
              "string escape (source text or a binary's string table)");
    CHECK_STR(why("generic-password", "`command", "/a"), "environment or configuration lookup");
    CHECK_STR(why("generic-password", "UTF8String", "/a"), "placeholder word");
    CHECK_STR(why("uri-credentials", "***", "/a"), "masked value");
    CHECK_STR(why("generic-cli-password", "uXFGweU9l35qcif", "/a"), "documented example value");
    CHECK_STR(why("generic-secret", "TEST_DATA_BASE64", "/a"), "identifier or word");
    CHECK_STR(why("generic-secret", "imdsv2_session_token", "/a"), "identifier or word");
    CHECK_STR(why("generic-password", "secret\\n", "/a"),
              "string escape (source text or a binary's string table)");
    CHECK_STR(why("generic-password", "mock_challenge}", "/a"), "code expression");
    CHECK(why("generic-secret", "ab_Xk29sLq0_Zp8vW3", "/a") == NULL);
    CHECK_STR(why("netrc-password", "debian", "/usr/share/man/man5/apt_auth.conf.5.gz!/apt_auth.conf.5"),
              "example in system documentation");
    CHECK_STR(why("uri-credentials", "mypassword", "/usr/share/info/wget.info.gz!/wget.info"),
              "example in system documentation");
    CHECK(why("github-pat", "ghp_Q7mZ2xKp9LwV4rT8nB3cY6hJ1dF5sG0aE2uR", "/usr/share/doc/x/changelog.gz!/changelog") == NULL);
    CHECK(why("netrc-password", "Vq7#kLm2pX9z", "/root/.netrc") == NULL);
    CHECK_STR(why("generic-password", "DATEI\\fP", "/a"),
              "string escape (source text or a binary's string table)");
    /* still secrets: digits, symbols, or mixed case with digits */
    CHECK(why("generic-password", "kV8#mQ2!pL", "/a") == NULL);
    CHECK(why("generic-cli-password", "Zk8#vQm2Lp7x", "/a") == NULL);
    CHECK(why("generic-password", "s3cr3t-Passw0rd-2024", "/a") == NULL);
    CHECK_STR(why("uri-credentials", "pass", "/a"), "placeholder word");
    CHECK_STR(why("generic-secret", "2YotnFZFEjr1zCsicMWpAA", "/a"), "documented example value");
    CHECK_INT(ls_detect_path_confidence("/usr/share/doc/x/examples/key.pem", LS_CONF_HIGH), LS_CONF_MEDIUM);
    CHECK_INT(ls_detect_path_confidence("/app/tests/fixture.env", LS_CONF_LOW), LS_CONF_LOW);
    CHECK_INT(ls_detect_path_confidence("/app/.env", LS_CONF_HIGH), LS_CONF_HIGH);
    CHECK_INT(ls_detect_path_confidence("config.Env", LS_CONF_HIGH), LS_CONF_HIGH);
    CHECK_STR(why("netrc-password", "{self.password}'", "/a"), "template placeholder");
    /* a value shaped like a known token is never code, however many dots */
    CHECK(why("generic-secret", "hvs.CAESIJ3kP9qLmX2vR8tY4wN6zB1cD5fG7hK0oQ", "/app/.env") == NULL);
    CHECK(why("generic-secret", "s.Qm7ZxKp9LwV4rT8nB3cY6hJ1", "/app/.env") == NULL);
    CHECK(why("generic-secret", "sk.eyJ1IjoiZGVtby11c2VyIiwiYSI6ImNrMTIzNDU2In0.Qm7ZxKp9LwV4rT8nB3cY6h",
              "/app/.env") == NULL);
    CHECK(why("generic-secret", "ya29.a0AfH6SMBx7Qm2ZkLp9VvT4rN8wB3cY6hJ1dF5sG0aE2uR", "/app/.env") == NULL);
    CHECK(why("generic-secret", "app.Qm7ZxKp9LwV4rT8nB3cY6hJ1dF", "/app/.env") == NULL);
    CHECK_STR(why("generic-secret", "s.settingsValueName", "/a"), "code reference");
    CHECK_STR(why("generic-secret", "obj.someVeryLongMethodName2Foo", "/a"), "code reference");
    /* code in minified bundles and sources */
    CHECK_STR(why("generic-password", "r.password,s.host=r.host,s.port=r.port,c=wg", "/a.js"),
              "code expression");
    CHECK_STR(why("generic-password", "t,this._tenantId=i}static", "/a.js"), "code expression");
    CHECK_STR(why("generic-password", "value1}get", "/a.js"), "code expression");
    CHECK_STR(why("generic-secret", "r.compileUnsafe=r.compile=void", "/a.js"), "code expression");
    CHECK_STR(why("generic-password", "this.addPassword", "/a.js"), "environment or configuration lookup");
    CHECK_STR(why("generic-password", "auth/wrong-password", "/a.js"), "identifier or word");
    CHECK_STR(why("generic-secret", "recaptchaV2Token", "/a.js"), "identifier or word (camelCase name)");
    CHECK_STR(why("generic-secret", "SensitiveString2048", "/a.js"), "identifier or word (camelCase name)");
    CHECK(why("generic-password", "Summer2024Sale", "/app/.env") == NULL);
    CHECK_STR(why("generic-password", "arn:aws:iam::aws:policy/IAMUserChangePassword", "/a.json"),
              "AWS ARN (a resource or policy name)");
    CHECK_STR(why("generic-password", "IAMUserChangePassword", "/a.json"), "identifier or word");
    /* test data */
    CHECK_STR(why("generic-secret", "gPFEGk7CF4wS901w7ppYclt7gPFEGk7CF4wS901w7ppYclt7", "/a"),
              "repeated piece (test data)");
    CHECK_STR(why("generic-secret", "YW5vdGhlclRva2VuIQ==", "/a"), "base64 of plain words");
    CHECK(why("generic-secret", "ZGVwbG95OnA0MFlUek42Um96aEw5", "/a") == NULL);
    CHECK_STR(why("generic-secret", "U2FsdGVkX19nBV2zoh+Gou9NgnulLJHWpn9xnG4hqSOhvw3o", "/a"),
              "encrypted value (OpenSSL \"Salted__\" data)");
    CHECK_STR(why("generic-secret", "MySecret1-a1b2c3", "/a"), "placeholder");
    CHECK_STR(why("generic-secret", "MGYZLAHX1T5a....", "/a"), "placeholder");
    /* well-known defaults, for every rule */
    CHECK_STR(why("generic-password", "postgres", "/app/.env"), "well-known default or common password");
    CHECK_STR(why("rabbitmq-default-pass", "guest", "/a"), "well-known default or common password");
    CHECK_STR(why("mysql-cnf-password", "mysecretpassword", "/a"), "well-known default or common password");
    CHECK_STR(why("generic-password", "changeit", "/a"), "well-known default or common password");
    CHECK_STR(why("redis-requirepass", "foobared", "/etc/redis/redis.conf"), "documented example value");
    CHECK_STR(why("express-session-secret", "keyboard cat", "/app/app.js"), "documented example value");
    CHECK_STR(why("wordpress-db-password", "password_here", "/var/www/html/wp-config.php"), "placeholder");
    CHECK_STR(why("wordpress-auth-key", "put your unique phrase here", "/var/www/html/wp-config.php"),
              "placeholder");
    /* encrypted and public values */
    CHECK_STR(why("spring-datasource-password", "ENC(G6N718UuyPE5bHyWKyuLQSm02auQPUtm)", "/a"),
              "encrypted value (Jasypt ENC(...) or Spring Cloud Config {cipher})");
    CHECK_STR(why("spring-datasource-password", "{cipher}AQA9f0c3e1", "/a"),
              "encrypted value (Jasypt ENC(...) or Spring Cloud Config {cipher})");
    CHECK_STR(why("next-public-env-secret", "pk.eyJ1IjoiZGVtbyIsImEiOiJjazEifQ.Qm7ZxKp9LwV4rT8nB3cY6h", "/a"),
              "publishable (public) key");
    CHECK_STR(why("react-app-env-secret", "pk_live_Qm7ZxKp9LwV4rT8nB3cY6hJ1", "/a"), "publishable (public) key");
    /* template markers: opening the value, or closed; a random salt holding "${" or "<" stays */
    CHECK_STR(why("uri-credentials", "<password>", "/a"), "placeholder");
    CHECK_STR(why("generic-password", "abc${DB_PASS}", "/a"), "placeholder");
    CHECK_STR(why("generic-password", "pre<your-pass>post", "/a"), "placeholder");
    CHECK_STR(why("generic-password", "$(cat", "/a"), "placeholder");
    CHECK(why("wordpress-auth-key", "k]Xr<3vQ;m${Tz9&Lp|W1oN@8s^fG`hB+Yd7eJ.2uA?cM-5Ri~ZxV4n(qH6a!Ks0", "/a") == NULL);
    CHECK(why("django-secret-key", "x9#k$(m2q!v8z^t4w&r7p@l1n*b6c-d3f=g5h+j0s_y2u%e", "/a") == NULL);
    CHECK_STR(why("generic-secret", "defaultToConfig2", "/a.js"), "identifier or word (camelCase name)");
    CHECK(why("generic-secret", "Qm7ZxKp9LwV4rT8nB3cY6hJ1", "/app/.env") == NULL);
    CHECK_STR(why("generic-password", "decodeURIComponentSafe$1(parsed.password);", "/a.cjs"), "code expression");
    CHECK_STR(why("generic-secret", "13ka4h7u28d9oo44tqpq9djqsfvhvu8rk4d2ighvpu0k8fj1c2r9",
                  "/app/node_modules/aws-sdk/apis/cognito-idp-2016-04-18.examples.json"),
              "example or template file");
    CHECK_STR(why("generic-password", "Tq8vKm2Lp7Xz", "/srv/app/.env.example"), "example or template file");
    CHECK(why("generic-password", "Tq8vKm2Lp7Xz", "/srv/app/.env") == NULL);
    CHECK(why("django-secret-key", "x9k2q8vz4tw7rp1nb6cd3fg5hj0sy2ue", "/srv/app/settings.example.py") == NULL);
    CHECK_STR(why("generic-password", "geheim$parole", "/usr/lib/python3.11/urllib/request.py"),
              "documented example value");
    CHECK_STR(why("azure-storage-account-key",
                  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
                  "/app/node_modules/azurite/dist/src/common/utils/constants.js"),
              "documented example value");
    CHECK_STR(why("generic-password", "#add-password", "/app/static/js/users.js"),
              "CSS selector or anchor (#add-password)");
    CHECK(why("generic-password", "#Tq8vKm2Lp7Xz", "/srv/app/.env") == NULL);
    CHECK(ls_detect_supersedes("twitch-stream-key", "gocardless-access-token"));
    CHECK(ls_detect_supersedes("shadow-password-hash", "crypt-password-hash"));
    CHECK(!ls_detect_supersedes("crypt-password-hash", "shadow-password-hash"));
    /* seen on a clean image (tests/bench/precision_image.sh): botocore's STS
     * examples carry a 400-character session token marked wEXAMPLE; a random
     * session token without the marker stays */
    CHECK_STR(why("aws-session-token",
                  "IQoJb3JpZ2luX2VjEOz////////////////////wEXAMPLEtMSJHMEUCIDoKK3JH9uGQE1z0sINr5M4jk+Na8KHDcCYRVjJCZEvOAiEA3OvJGtw1EcViOleS2vhs8VdCKFJQWPQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
                  "/usr/lib/python3/dist-packages/botocore/data/sts/2011-06-15/examples-1.json"),
              "documented example value (AWS's EXAMPLE marker)");
    CHECK(why("aws-session-token",
              "IQoJb3JpZ2luX2VjEOz////////////////////wEXAMPLtMSJHMEUCIDoKK3JH9uGQE1z0sINr5M4jk+Na8KHDcCYRVjJCZEvOAiEA3OvJGtw1EcViOleS2vhs8VdCKFJQWPQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
              "/srv/app/.aws/credentials") == NULL);
    {   /* the marker beyond 256 characters counts for the AWS rules only */
        char longer[300];
        memset(longer, 'q', sizeof longer - 1);
        longer[sizeof longer - 1] = '\0';
        memcpy(longer + 100, "wEXAMPLEtM", 10);
        CHECK(why("azure-storage-account-key", longer, "/a") == NULL);
        CHECK_STR(why("aws-session-token", longer, "/a"),
                  "documented example value (AWS's EXAMPLE marker)");
    }
    /* @octokit/auth-token's README: a token prefix and words; real tokens stay */
    CHECK_STR(why("github-pat", "ghp_PersonalAccessToken01245678900000000",
                  "/app/node_modules/@octokit/auth-token/README.md"),
              "placeholder (a token prefix followed by words)");
    CHECK_STR(why("github-app-token", "ghs_InstallallationOrActionToken00000000", "/a"),
              "placeholder (a token prefix followed by words)");
    CHECK_STR(why("github-app-token", "ghu_InstallationUserToServer000000000000", "/a"),
              "placeholder (a token prefix followed by words)");
    CHECK_STR(why("stripe-secret-key", "sk_live_SecretKeyGoesRightHere", "/a"),
              "placeholder (a token prefix followed by words)");
    /* a password of words is a password: only token rules read words as a stand-in */
    CHECK(why("uri-credentials", "my_SuperSecretPassword2024", "/srv/app/config.yml") == NULL);
    CHECK(why("pgpass-password", "my_SuperSecretPassword2024", "/root/.pgpass") == NULL);
    CHECK(why("spring-datasource-password", "my_SuperSecretPassword2024", "/srv/application.yml") == NULL);
    CHECK(why("github-pat", "ghp_9585YmA6fV4NGCvNsoGSr8UqyUy8cSTqtUnZ", "/app/.env") == NULL);
    CHECK(why("github-app-token", "ghu_ykTZRspBfCLPHd1cU5lRh9LmNfdoPDjVARWi", "/app/.env") == NULL);
    CHECK(why("stripe-secret-key", "sk_live_51HqLyjWDarjtT1zdp7dcVqLx", "/app/.env") == NULL);
    /* seen in node_modules runtime code on a clean image: endpoints, header
     * names, host names and my_ placeholders; random values of the same
     * length and alphabet stay */
    CHECK_STR(why("generic-secret", "/oauth2/v2.0/token", "/app/node_modules/x/lib/endpoint.js"),
              "URL path");
    CHECK_STR(why("generic-secret", "/api/v1/users/", "/app/lib/a.js"), "URL path");
    CHECK(why("generic-secret", "/K7MDENGbPxRfi/CYv2.0a", "/app/.env") == NULL);
    CHECK(why("generic-secret", "/oauth2/v2.0/tQ7kZ9x", "/app/.env") == NULL);
    CHECK(why("generic-secret", "/9fXq2/Lm7Tz/4wKp8Rv", "/app/.env") == NULL);
    CHECK_STR(why("generic-secret", "x-aws-ec2-metadata-token", "/app/node_modules/x/dist-cjs/index.js"),
              "HTTP header or kebab-case name");
    CHECK_STR(why("generic-secret", "X-Amz-Security-Token2", "/app/lib/a.js"),
              "HTTP header or kebab-case name");
    CHECK(why("generic-secret", "x-Qm7ZxKp9LwV4rT8nB3cY6h", "/app/.env") == NULL);
    CHECK(why("generic-secret", "k3jd9x-qp82mz-wl4tr0-v7", "/app/.env") == NULL);
    CHECK(why("generic-secret", "ab12-cd34-ef56-gh78", "/app/.env") == NULL);
    CHECK(why("generic-password", "s3cr3t-Passw0rd-2024", "/app/.env") == NULL);
    CHECK_STR(why("generic-password", "www.google.com/`", "/app/node_modules/x/build/v1.js"),
              "host name or URL");
    CHECK_STR(why("generic-password", "https://login.microsoftonline.com:443/common/oauth2/token", "/a.js"),
              "host name or URL");
    CHECK_STR(why("generic-secret", "s3.us-east-1.amazonaws.com", "/a.js"), "host name or URL");
    CHECK(why("generic-password", "https://admin:Tq8vKm2Lp7Xz@db.internal.net/", "/a") == NULL);
    CHECK(why("generic-password", "Tq8vKm2Lp7Xz-a.io", "/app/.env") == NULL);
    CHECK(why("generic-password", "Vq3n.R8xL.com/`", "/app/.env") == NULL);
    CHECK_STR(why("generic-secret", "my_recaptchaV3Token", "/app/node_modules/x/build/v1.js"),
              "placeholder (my_ followed by a name)");
    CHECK_STR(why("generic-secret", "my_stripeV2SecretKey", "/a.js"), "placeholder (my_ followed by a name)");
    CHECK(why("generic-secret", "my_Qm7ZxKp9LwV4rT8nB3", "/app/.env") == NULL);
    CHECK(why("generic-password", "my_Qm7ZxKp9LwV4rT8nB3", "/app/.env") == NULL);
    /* TypeScript declaration files: types and @example doc comments; the
     * emitted .js beside them is still scanned, and other rules still report */
    CHECK_STR(why("generic-secret", "aorvJYubGpU6i91YnH7Mfo-AT2fIVa1zCfA_Rvq9yjVKIP3onFmmykuQ7E93y2I",
                  "/app/node_modules/x/dist-types/commands/CreateTokenCommand.d.ts"),
              "TypeScript declaration file (types and doc comments)");
    CHECK_STR(why("generic-password", "Tq8vKm2Lp7Xz", "/app/src/types.d.mts"),
              "TypeScript declaration file (types and doc comments)");
    CHECK(why("generic-secret", "aorvJYubGpU6i91YnH7Mfo-AT2fIVa1zCfA_Rvq9yjVKIP3onFmmykuQ7E93y2I",
              "/app/node_modules/x/dist-cjs/commands/CreateTokenCommand.js") == NULL);
    CHECK(why("generic-secret", "Qm7ZxKp9LwV4rT8nB3cY6hJ1", "/app/src/d.ts/config.js") == NULL);
    CHECK(why("github-pat", "ghp_9585YmA6fV4NGCvNsoGSr8UqyUy8cSTqtUnZ", "/app/types/index.d.ts") == NULL);
    CHECK_INT(ls_detect_path_confidence("/app/node_modules/x/index.d.ts", LS_CONF_HIGH), LS_CONF_MEDIUM);
    CHECK_INT(ls_detect_path_confidence("/app/node_modules/x/index.ts", LS_CONF_HIGH), LS_CONF_HIGH);
    CHECK_DONE();
}
