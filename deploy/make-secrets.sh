#!/usr/bin/env bash
# Makes the secrets docker compose (and, as Kubernetes Secrets, the k8s manifests) need, under .trainpod/:
#   deploy.env                   TRAINPOD_VAULT_KEY (32 random bytes) and its id, for deploy-service
#   database.env                 the PostgreSQL password, for PostgreSQL and the services
#   simulator.env                the RunPod simulator's account key (docker compose --profile sim)
#   jwt/deploy-signing-key.pem   deploy-service's key for job and service tokens
#   jwt/idp-signing-key.pem      a stand-in identity provider's key (replace with your IdP's)
#   jwt/verify.jwks.json         the public keys every service verifies tokens with
#   user-token                   a demo user token from the stand-in identity provider (30 days)
# Needs openssl and python3. Refuses to overwrite existing secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.trainpod
if [ -e "$out/deploy.env" ]; then
  echo "$out/deploy.env exists; remove $out to make new secrets" >&2
  exit 1
fi
umask 077
mkdir -p "$out/jwt"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/jwt/deploy-signing-key.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/jwt/idp-signing-key.pem" 2>/dev/null
printf 'TRAINPOD_VAULT_KEY=%s\nTRAINPOD_VAULT_KEY_ID=v1\n' "$(openssl rand -base64 32)" > "$out/deploy.env"
password=$(openssl rand -hex 24)
# PostgreSQL and the services read the same password, each under its own name.
printf 'POSTGRES_PASSWORD=%s\nQUARKUS_DATASOURCE_PASSWORD=%s\n' "$password" "$password" > "$out/database.env"
printf 'RUNPOD_SIM_API_KEY=rpa_sim_%s\n' "$(openssl rand -hex 16)" > "$out/simulator.env"

modulus() { openssl rsa -in "$1" -noout -modulus | cut -d= -f2; }
python3 - "$(modulus "$out/jwt/idp-signing-key.pem")" "$(modulus "$out/jwt/deploy-signing-key.pem")" \
  > "$out/jwt/verify.jwks.json" <<'PY'
import base64, json, sys
def b64(hex_value):
    return base64.urlsafe_b64encode(bytes.fromhex(hex_value)).rstrip(b"=").decode()
keys = [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": b64(n), "e": "AQAB"}
        for kid, n in (("idp-1", sys.argv[1]), ("deploy-1", sys.argv[2]))]
print(json.dumps({"keys": keys}))
PY

# A demo user token signed by the stand-in identity provider.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT","kid":"idp-1"}' | b64url)
claims=$(printf '{"iss":"https://idp.trainpod.dev","sub":"demo-user","aud":"trainpod-api","iat":%d,"exp":%d}' \
  "$now" $((now + 30 * 24 * 3600)) | b64url)
signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign "$out/jwt/idp-signing-key.pem" | b64url)
printf '%s.%s.%s\n' "$header" "$claims" "$signature" > "$out/user-token"
# The services run as uid 10001 and read the mounted folder; the stand-in IdP's key stays private.
chmod 755 "$out" "$out/jwt"
chmod 644 "$out"/*.env
chmod 644 "$out/jwt/verify.jwks.json" "$out/jwt/deploy-signing-key.pem"
echo "secrets written to $out/ (keep them out of version control)"
