/* Typed fleet values by schema key (fleet_fields.h). */
#include "fleet/fleet_fields.h"

bool *fleet_field_set(const fs_key *k, void *p)
{
    switch (k->type) {
    case FS_STRING: return &((fl_str *)p)->set;
    case FS_INT: case FS_GPU_LAYERS: return &((fl_int *)p)->set;
    case FS_NUMBER: return &((fl_num *)p)->set;
    case FS_BOOL: return &((fl_bool *)p)->set;
    case FS_SIZE: return &((fl_size *)p)->set;
    case FS_ENUM: return k->flags & FS_ENUM_INDEX ? &((fl_int *)p)->set : &((fl_str *)p)->set;
    default: return NULL;
    }
}

size_t fleet_field_size(const fs_key *k)
{
    switch (k->type) {
    case FS_STRING: return sizeof(fl_str);
    case FS_INT: case FS_GPU_LAYERS: return sizeof(fl_int);
    case FS_NUMBER: return sizeof(fl_num);
    case FS_BOOL: return sizeof(fl_bool);
    case FS_SIZE: return sizeof(fl_size);
    case FS_ENUM: return k->flags & FS_ENUM_INDEX ? sizeof(fl_int) : sizeof(fl_str);
    default: return 0;
    }
}

src_span fleet_field_span(const fs_key *k, const void *p)
{
    switch (k->type) {
    case FS_STRING: return ((const fl_str *)p)->at;
    case FS_INT: case FS_GPU_LAYERS: return ((const fl_int *)p)->at;
    case FS_NUMBER: return ((const fl_num *)p)->at;
    case FS_BOOL: return ((const fl_bool *)p)->at;
    case FS_SIZE: return ((const fl_size *)p)->at;
    case FS_ENUM: return k->flags & FS_ENUM_INDEX ? ((const fl_int *)p)->at : ((const fl_str *)p)->at;
    default: return (src_span){0, 0, 0, 0};
    }
}
