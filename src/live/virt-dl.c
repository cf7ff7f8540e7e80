/* libvirt, loaded on first use.
 *
 * Linking libvirt costs every run about 10 ms before main() (its ~50
 * dependent libraries and their constructors), more than all the offline
 * checks together, and most runs (--root, fix, list) never call it. So the
 * binary does not link libvirt: these definitions, one per libvirt function
 * migready calls, have libvirt's own prototypes (the compiler checks them
 * against <libvirt/libvirt.h>) and forward to the real function, which
 * mr_virt_sym() finds in libvirt.so.0 the first time any of them is called.
 *
 * Made from libvirt's headers; a call to a libvirt function not listed here
 * fails to link, so the list cannot silently fall behind the code.
 *
 * A libvirt that cannot be loaded (or lacks a function) is an error the
 * caller sees, never an exit: peers are checked from threads and
 * migrate-test must clean up. Each stub then returns libvirt's own failure
 * value (-1 or NULL), and mr_virt_last_error() names the library. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "migready.h"
#include "virt.h"

#define MR_LIBVIRT_SONAME "libvirt.so.0"

static void *lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
/* Why libvirt cannot be used; written once, under the lock, and never
 * cleared: a library that failed to load or lacks a function stays so. */
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;
static char load_error[512];

static void lib_open(void)
{
    lib = dlopen(MR_LIBVIRT_SONAME, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        /* Only a broken installation gets here: the package depends on libvirt. */
        const char *why = dlerror();
        pthread_mutex_lock(&error_lock);
        snprintf(load_error, sizeof(load_error), "cannot load %s: %s (install libvirt0)",
                 MR_LIBVIRT_SONAME, why ? why : "unknown error");
        pthread_mutex_unlock(&error_lock);
    }
}

char *mr_virt_load_error(void)
{
    pthread_once(&lib_once, lib_open);
    pthread_mutex_lock(&error_lock);
    char *e = load_error[0] ? mr_xstrdup(load_error) : NULL;
    pthread_mutex_unlock(&error_lock);
    return e;
}

int mr_virt_load(char **ret_msg)
{
    char *e = mr_virt_load_error();
    if (!e)
        return 0;
    if (ret_msg)
        *ret_msg = e;
    else
        free(e);
    return -ELIBACC;
}

void *mr_virt_sym(const char *name)
{
    /* Peers are checked from several threads at once. */
    pthread_once(&lib_once, lib_open);
    if (!lib)
        return NULL;
    void *sym = dlsym(lib, name);
    if (!sym) {
        pthread_mutex_lock(&error_lock);
        if (!load_error[0])
            snprintf(load_error, sizeof(load_error), "%s has no %s (libvirt too old?)",
                     MR_LIBVIRT_SONAME, name);
        pthread_mutex_unlock(&error_lock);
    }
    return sym;
}

/* One definition per function; the real one is looked up once (a race
 * between threads only looks it up twice, to the same address). Without
 * it, the stub fails as libvirt fails: -1 from a function returning int,
 * NULL from one returning a pointer. */
#define MR_VIR_FAILURE(ret) ((ret)_Generic((ret)0, int: -1, default: 0))
#define MR_VIR_REAL(ret, name, params)                                                           \
    static ret(*real) params;                                                                    \
    void *p = __atomic_load_n((void **)&real, __ATOMIC_ACQUIRE);                                 \
    if (!p) {                                                                                    \
        p = mr_virt_sym(#name);                                                                  \
        __atomic_store_n((void **)&real, p, __ATOMIC_RELEASE);                                   \
    }
#define MR_VIR_FORWARD(ret, name, params, args)                                                  \
    ret name params                                                                              \
    {                                                                                            \
        MR_VIR_REAL(ret, name, params)                                                           \
        if (!p)                                                                                  \
            return MR_VIR_FAILURE(ret);                                                          \
        return ((ret(*) params)p) args;                                                          \
    }
#define MR_VIR_FORWARD_VOID(name, params, args)                                                  \
    void name params                                                                             \
    {                                                                                            \
        MR_VIR_REAL(void, name, params)                                                          \
        if (p)                                                                                   \
            ((void(*) params)p) args;                                                            \
    }

MR_VIR_FORWARD(int, virConnectClose, (virConnectPtr conn), (conn))
MR_VIR_FORWARD(char *, virConnectBaselineHypervisorCPU, (virConnectPtr conn, const char *emulator, const char *arch, const char *machine, const char *virttype, const char **xmlCPUs, unsigned int ncpus, unsigned int flags), (conn, emulator, arch, machine, virttype, xmlCPUs, ncpus, flags))
MR_VIR_FORWARD(int, virConnectCompareHypervisorCPU, (virConnectPtr conn, const char *emulator, const char *arch, const char *machine, const char *virttype, const char *xmlCPU, unsigned int flags), (conn, emulator, arch, machine, virttype, xmlCPU, flags))
MR_VIR_FORWARD(char *, virConnectGetCapabilities, (virConnectPtr conn), (conn))
MR_VIR_FORWARD(int, virConnectGetLibVersion, (virConnectPtr conn, unsigned long *libVer), (conn, libVer))
MR_VIR_FORWARD(int, virConnectGetVersion, (virConnectPtr conn, unsigned long *hvVer), (conn, hvVer))
MR_VIR_FORWARD(int, virConnectListAllDomains, (virConnectPtr conn, virDomainPtr **domains, unsigned int flags), (conn, domains, flags))
MR_VIR_FORWARD(int, virConnectListAllStoragePools, (virConnectPtr conn, virStoragePoolPtr **pools, unsigned int flags), (conn, pools, flags))
MR_VIR_FORWARD(virConnectPtr, virConnectOpenAuth, (const char *name, virConnectAuthPtr auth, unsigned int flags), (name, auth, flags))
MR_VIR_FORWARD(virConnectPtr, virConnectOpenReadOnly, (const char *name), (name))
MR_VIR_FORWARD(int, virDomainAbortJob, (virDomainPtr dom), (dom))
MR_VIR_FORWARD(virDomainPtr, virDomainCreateXML, (virConnectPtr conn, const char *xmlDesc, unsigned int flags), (conn, xmlDesc, flags))
MR_VIR_FORWARD(int, virDomainDestroy, (virDomainPtr domain), (domain))
MR_VIR_FORWARD(int, virDomainFree, (virDomainPtr domain), (domain))
MR_VIR_FORWARD(int, virDomainGetJobStats, (virDomainPtr domain, int *type, virTypedParameterPtr *params, int *nparams, unsigned int flags), (domain, type, params, nparams, flags))
MR_VIR_FORWARD(const char *, virDomainGetName, (virDomainPtr domain), (domain))
MR_VIR_FORWARD(int, virDomainGetState, (virDomainPtr domain, int *state, int *reason, unsigned int flags), (domain, state, reason, flags))
MR_VIR_FORWARD(int, virDomainIsActive, (virDomainPtr dom), (dom))
MR_VIR_FORWARD(int, virDomainIsPersistent, (virDomainPtr dom), (dom))
MR_VIR_FORWARD(virDomainPtr, virDomainLookupByName, (virConnectPtr conn, const char *name), (conn, name))
MR_VIR_FORWARD(int, virDomainMigrateToURI3, (virDomainPtr domain, const char *dconnuri, virTypedParameterPtr params, unsigned int nparams, unsigned int flags), (domain, dconnuri, params, nparams, flags))
MR_VIR_FORWARD(int, virDomainUndefine, (virDomainPtr domain), (domain))
MR_VIR_FORWARD_VOID(virFreeError, (virErrorPtr err), (err))
MR_VIR_FORWARD(virErrorPtr, virGetLastError, (void), ())
MR_VIR_FORWARD(int, virInitialize, (void), ())
MR_VIR_FORWARD(virErrorPtr, virSaveLastError, (void), ())
MR_VIR_FORWARD(int, virSecretFree, (virSecretPtr secret), (secret))
MR_VIR_FORWARD(int, virSecretGetUsageType, (virSecretPtr secret), (secret))
MR_VIR_FORWARD(unsigned char *, virSecretGetValue, (virSecretPtr secret, size_t *value_size, unsigned int flags), (secret, value_size, flags))
MR_VIR_FORWARD(char *, virSecretGetXMLDesc, (virSecretPtr secret, unsigned int flags), (secret, flags))
MR_VIR_FORWARD(virSecretPtr, virSecretLookupByUUIDString, (virConnectPtr conn, const char *uuid), (conn, uuid))
MR_VIR_FORWARD_VOID(virSetErrorFunc, (void *userData, virErrorFunc handler), (userData, handler))
MR_VIR_FORWARD(int, virStoragePoolBuild, (virStoragePoolPtr pool, unsigned int flags), (pool, flags))
MR_VIR_FORWARD(int, virStoragePoolCreate, (virStoragePoolPtr pool, unsigned int flags), (pool, flags))
MR_VIR_FORWARD(virStoragePoolPtr, virStoragePoolDefineXML, (virConnectPtr conn, const char *xmlDesc, unsigned int flags), (conn, xmlDesc, flags))
MR_VIR_FORWARD(int, virStoragePoolDelete, (virStoragePoolPtr pool, unsigned int flags), (pool, flags))
MR_VIR_FORWARD(int, virStoragePoolDestroy, (virStoragePoolPtr pool), (pool))
MR_VIR_FORWARD(int, virStoragePoolFree, (virStoragePoolPtr pool), (pool))
MR_VIR_FORWARD(const char*, virStoragePoolGetName, (virStoragePoolPtr pool), (pool))
MR_VIR_FORWARD(int, virStoragePoolIsActive, (virStoragePoolPtr pool), (pool))
MR_VIR_FORWARD(int, virStoragePoolListAllVolumes, (virStoragePoolPtr pool, virStorageVolPtr **vols, unsigned int flags), (pool, vols, flags))
MR_VIR_FORWARD(virStoragePoolPtr, virStoragePoolLookupByName, (virConnectPtr conn, const char *name), (conn, name))
MR_VIR_FORWARD(int, virStoragePoolRefresh, (virStoragePoolPtr pool, unsigned int flags), (pool, flags))
MR_VIR_FORWARD(int, virStoragePoolUndefine, (virStoragePoolPtr pool), (pool))
MR_VIR_FORWARD(virStorageVolPtr, virStorageVolCreateXML, (virStoragePoolPtr pool, const char *xmldesc, unsigned int flags), (pool, xmldesc, flags))
MR_VIR_FORWARD(int, virStorageVolDelete, (virStorageVolPtr vol, unsigned int flags), (vol, flags))
MR_VIR_FORWARD(int, virStorageVolFree, (virStorageVolPtr vol), (vol))
MR_VIR_FORWARD(int, virTypedParamsAddString, (virTypedParameterPtr *params, int *nparams, int *maxparams, const char *name, const char *value), (params, nparams, maxparams, name, value))
MR_VIR_FORWARD(int, virTypedParamsAddULLong, (virTypedParameterPtr *params, int *nparams, int *maxparams, const char *name, unsigned long long value), (params, nparams, maxparams, name, value))
MR_VIR_FORWARD_VOID(virTypedParamsFree, (virTypedParameterPtr params, int nparams), (params, nparams))
MR_VIR_FORWARD(int, virTypedParamsGetULLong, (virTypedParameterPtr params, int nparams, const char *name, unsigned long long *value), (params, nparams, name, value))
