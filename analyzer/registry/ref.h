/*
 * ref.h - a registry reference in skopeo's spelling,
 * "docker://HOST[:PORT]/REPO[:TAG][@sha256:HEX]", parsed and normalised the
 * way Docker does: a first component holding '.' or ':' (or "localhost", or
 * an upper-case letter) is a host, anything else is Docker Hub, where a
 * one-component name is an official image ("alpine" = docker.io
 * library/alpine:latest).
 */
#ifndef LS_REGISTRY_REF_H
#define LS_REGISTRY_REF_H

#include "layerscan/error.h"

typedef struct {
    char *domain; /* "docker.io", "127.0.0.1:5000", "localhost": the registry's name */
    char *host;   /* where to connect: "registry-1.docker.io" for docker.io, else domain */
    char *repo;   /* "library/alpine", "team/app" */
    char *tag;    /* "latest" when neither tag nor digest is given; NULL with a digest only */
    char *digest; /* "sha256:<hex>" or NULL */
} ls_registry_ref;

/* Parses s, with or without the "docker://" prefix. Returns 0, or -1 with
 * LS_ERR_USAGE "docker://S: <what is wrong>" (bad host or port, a
 * repository name with upper case or bad separators, a bad tag or digest,
 * a name over 255 characters); LS_ERR_NOMEM. */
int ls_registry_ref_parse(ls_registry_ref *out, const char *s, ls_error *err);

/* Checks a repository name ("team/app"). Returns 0, or -1 with
 * LS_ERR_USAGE "REPO: <what is wrong>". */
int ls_registry_repo_validate(const char *repo, ls_error *err);

/* Checks a bare "HOST[:PORT]" (a registry to list). Returns 0, or -1 with
 * LS_ERR_USAGE "docker://DOMAIN: invalid registry host|port". */
int ls_registry_domain_validate(const char *domain, ls_error *err);

/* Where to connect for a registry name: Docker Hub's API host for
 * "docker.io" (and "index.docker.io"), else domain itself. */
const char *ls_registry_domain_host(const char *domain);

/* What to ask /v2/REPO/manifests/ for: the digest when given, else the tag. */
const char *ls_registry_ref_object(const ls_registry_ref *r);

/* Frees the strings (not the struct). Accepts a zeroed ref. */
void ls_registry_ref_clear(ls_registry_ref *r);

#endif
