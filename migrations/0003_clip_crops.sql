-- Ingest stores CLIP's 224x224 centre crop of each image and video frame (raw RGB, 150,528 bytes) beside
-- its PNG, made by the ffmpeg process that writes the PNG; ImageEmbedding reads it instead of decoding the
-- image again. Null for images registered without one: those are decoded from image_uri as before.
alter table brewclip.images add column clip_crop_uri text;
