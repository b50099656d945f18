package i18n

// The messages of package upload: supporting material (diagnosis proof, ID
// documents, relationship proof, cost estimates) uploaded as a photo, scan or
// PDF. Each says what to do next; none repeats the file's name or content.
func init() {
	register(map[string]message{
		"upload.empty":      {"上传的文件是空的，请重新选择文件。", "The uploaded file is empty; choose the file again."},
		"upload.too_large":  {"文件不能超过 %d MB。照片可以在手机上用较低的分辨率重新拍摄，或者把多页材料分成几个文件上传。", "A file can be at most %d MB. Retake a photo at a lower resolution, or split a long document into several files."},
		"upload.type":       {"只能上传 JPEG 或 PNG 图片，或者 PDF 文件。请把材料拍照或扫描后再上传。", "Only JPEG or PNG images and PDF files can be uploaded. Take a photo or scan of the document and upload that."},
		"upload.pdf_unsafe": {"这个 PDF 含有脚本、附件、表单或密码保护，平台不接受。请用“打印为 PDF”重新生成，或扫描纸质材料后再上传。", "This PDF contains scripts, attachments, forms or password protection, which are not accepted. Print it to a new PDF, or scan the paper document, then upload that."},
		"upload.corrupt":    {"文件已损坏或不完整，无法打开。请重新导出或重新拍摄后再上传。", "The file is damaged or incomplete and cannot be opened. Export or take it again, then upload it."},
	})
}
