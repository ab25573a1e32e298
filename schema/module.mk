# gpu_catalog.c embeds schema/gpus.yaml with .incbin: rebuild it when the data changes.
$(O)/obj/schema/gpu_catalog.o: schema/gpus.yaml
# model_catalog.c embeds schema/models.yaml the same way.
$(O)/obj/schema/model_catalog.o: schema/models.yaml
