/* Ceph RBD client jobs with librados and librbd: the default ops->rbd_probe. */
#pragma once

#include <stddef.h>

struct mr_rbd_request;
struct mr_rbd_result;

int mr_rbd_probe_run(const struct mr_rbd_request *req, struct mr_rbd_result *res);
/* The probe pattern's byte at OFFSET of an image named NAME: what
 * MR_RBD_CREATE writes and MR_RBD_VERIFY expects. */
unsigned char mr_rbd_pattern(const char *name, size_t offset);
