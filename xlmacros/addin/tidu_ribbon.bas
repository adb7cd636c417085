Attribute VB_Name = "TiduRibbon"
Option Explicit

' Ribbon callbacks of the tidu add-in. The ribbon XML is generated from
' xlmacros/addin/buttons.py; each button runs one Python entry point of
' tidu.xlmacros.ribbon through xlwings' RunPython (module xlwings in this project).
' Text shown to users lives in the ribbon XML, not here: VBA source is code page 1252.

Public Function TiduCommand(ByVal entry As String) As String
    TiduCommand = "import tidu.xlmacros.ribbon as ribbon; ribbon." & entry & "()"
End Function

Public Sub TiduValidate(control As Object)
    RunPython TiduCommand("validate_caller")
End Sub

Public Sub TiduRollup(control As Object)
    RunPython TiduCommand("rollup_caller")
End Sub

Public Sub TiduFlagGaps(control As Object)
    RunPython TiduCommand("flag_gaps_caller")
End Sub

Public Sub TiduExport(control As Object)
    RunPython TiduCommand("export_submission_caller")
End Sub

' Self-test run by the test suite in LibreOffice: the commands the buttons send.
Public Function TiduSelfTest() As String
    Dim expected As String
    expected = "import tidu.xlmacros.ribbon as ribbon; ribbon.validate_caller()"
    If TiduCommand("validate_caller") = expected Then
        TiduSelfTest = "ok"
    Else
        TiduSelfTest = "unexpected: " & TiduCommand("validate_caller")
    End If
End Function
